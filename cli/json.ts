/**
 * The JSON shapes `glint` prints (and `glint run`'s API answers with, byte for byte the same).
 *
 * Amounts (`…Sat`, `…Msat`) are JSON numbers when they fit in a double exactly
 * (|n| ≤ 2^53 − 1: up to about 90 000 BTC in msat), else decimal strings. Every amount the
 * Bitcoin supply allows in sats fits; only msat amounts above ~90 000 BTC would be strings.
 */
import type { ChannelInfo, GlintBalance } from '../engine/index.ts';

export type JsonAmount = number | string;

/** A bigint amount as a JSON number when exact, else a decimal string. */
export function jsonAmount(v: bigint): JsonAmount {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** One row of `glint channels`. */
export interface ChannelJson {
  readonly channelId: string;
  readonly peer: string;
  readonly state: string;
  /** `static_remotekey` | `anchors_zero_fee_htlc_tx`; null before the type is negotiated. */
  readonly type: string | null;
  readonly capacitySat: JsonAmount;
  readonly localMsat: JsonAmount;
  readonly remoteMsat: JsonAmount;
  readonly usable: boolean;
  /**
   * After a commitment confirmed (BOLT 5), each output that matters and where it stands:
   * `status` waiting (until `availableAtHeight`) | claimable | claimed (in `claimTxid`) | theirs | dust.
   * Absent while the channel has none.
   */
  readonly outputs?: readonly ClosingOutputJson[];
}

export interface ClosingOutputJson {
  readonly outpoint: string;
  readonly kind: string;
  readonly amountSat: JsonAmount;
  readonly status: string;
  readonly availableAtHeight: number | null;
  readonly claimTxid: string | null;
}

export function channelJson(c: ChannelInfo): ChannelJson {
  return {
    channelId: c.channelId,
    peer: c.peer,
    state: c.state,
    type: c.type ?? null,
    capacitySat: jsonAmount(c.capacitySat),
    localMsat: jsonAmount(c.localMsat),
    remoteMsat: jsonAmount(c.remoteMsat),
    usable: c.usable,
    ...(c.outputs && c.outputs.length > 0
      ? {
          outputs: c.outputs.map((o) => ({
            outpoint: o.outpoint,
            kind: o.kind,
            amountSat: jsonAmount(o.amountSat),
            status: o.status,
            availableAtHeight: o.availableAtHeight ?? null,
            claimTxid: o.claimTxid ?? null,
          })),
        }
      : {}),
  };
}

/** `glint balance`. */
export interface BalanceJson {
  readonly confirmedSat: JsonAmount;
  readonly unconfirmedSat: JsonAmount;
  readonly spendableSat: JsonAmount;
  readonly immatureSat: JsonAmount;
  readonly lightningMsat: JsonAmount;
}

export function balanceJson(b: GlintBalance): BalanceJson {
  return {
    confirmedSat: jsonAmount(b.confirmedSat),
    unconfirmedSat: jsonAmount(b.unconfirmedSat),
    spendableSat: jsonAmount(b.spendableSat),
    immatureSat: jsonAmount(b.immatureSat),
    lightningMsat: jsonAmount(b.lightningMsat),
  };
}
