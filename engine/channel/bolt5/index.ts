/**
 * BOLT 5 on-chain transactions we build after a commitment confirms: sweeps of our outputs, the
 * anchor CPFP child, direct HTLC claims on the peer's commitment (htlc-claims.ts), our second-stage
 * HTLC transactions and their delayed sweeps (second-stage.ts), and the planner that lists what
 * a confirmed commitment owes us (claim-plan.ts), and how an HTLC output was spent, with the
 * preimage it reveals (htlc-spend.ts); for a breach, the classification of a funding spend and the
 * revoked-commitment HTLC record (revoked.ts), the justice transactions (justice.ts); and the
 * fee urgency / bump policy of every sweep (urgency.ts). Pure and synchronous, like ./bolt3 (whose
 * conventions they follow).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
export * from './weights.ts';
export * from './sweep.ts';
export * from './anchor-cpfp.ts';
export * from './htlc-claims.ts';
export * from './second-stage.ts';
export * from './claim-plan.ts';
export * from './htlc-spend.ts';
export * from './revoked.ts';
export * from './justice.ts';
export * from './urgency.ts';
