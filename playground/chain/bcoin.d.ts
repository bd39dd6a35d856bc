/**
 * Minimal types for the parts of bcoin 1.0.2 (CommonJS, untyped) that playground/chain uses.
 *
 * bcoin conventions worth remembering (see ../../../shared/reference/regtest-chain.md):
 * - Hashes are hex strings in INTERNAL byte order (`entry.hash`, `tx.hash('hex')`,
 *   `prevout.hash`, mempool map keys); display order comes from `txid()` / `rhash()`.
 * - Buffers are Node Buffers; bitcoinjs' Uint8Arrays must be wrapped with Buffer.from.
 */
declare module 'bcoin' {
  export interface NetworkDeployment {
    name: string;
    bit: number;
    startTime: number;
    timeout: number;
    threshold: number;
    window: number;
    required: boolean;
    force: boolean;
  }

  export class Network {
    static get(type: string): Network;
    type: string;
    activationThreshold: number;
    minerWindow: number;
    halvingInterval: number;
    block: { bip34height: number; bip65height: number; bip66height: number; [key: string]: unknown };
    deployments: Record<string, NetworkDeployment>;
    genesis: { hash: string; time: number };
    now(): number;
  }

  export class Script {
    static fromRaw(raw: Buffer): Script;
    static fromAddress(address: Address): Script;
    toRaw(): Buffer;
    static flags: Record<string, number>;
  }

  export class Witness {
    items: Buffer[];
    toItems(): Buffer[];
  }

  export class Outpoint {
    /** Internal byte order hex. */
    hash: string;
    index: number;
    isNull(): boolean;
  }

  export class Input {
    prevout: Outpoint;
    script: Script;
    witness: Witness;
    sequence: number;
  }

  export class Output {
    script: Script;
    value: number;
    isDust(rate?: number): boolean;
  }

  export class Address {
    static fromScript(script: Script): Address | null;
    static fromString(addr: string, network?: string): Address;
    toString(network?: string): string;
  }

  export class CoinView {
    getOutputFor(input: Input): Output | null;
    hasEntry(prevout: Outpoint): boolean;
  }

  export class Coin extends Output {
    static fromTX(tx: TX, index: number, height: number): Coin;
    height: number;
    coinbase: boolean;
    hash: string;
    index: number;
  }

  export class TX {
    static fromRaw(raw: Buffer): TX;
    version: number;
    locktime: number;
    inputs: Input[];
    outputs: Output[];
    /** Internal-order hash: Buffer, or hex with enc 'hex'. */
    hash(): Buffer;
    hash(enc: 'hex'): string;
    /** Display-order txid hex. */
    txid(): string;
    toRaw(): Buffer;
    getSize(): number;
    getBaseSize(): number;
    getWeight(): number;
    getVirtualSize(): number;
    isCoinbase(): boolean;
    hasWitness(): boolean;
    getSigopsCost(view: CoinView, flags?: number): number;
    getSigopsSize(sigops: number): number;
    getFee(view: CoinView): number;
    /** Throws a ScriptError (with `.code`) when a script fails under `flags`. */
    check(view: CoinView, flags?: number): void;
  }

  export class MTX extends TX {
    addCoin(coin: Coin): Input;
    addOutput(script: Script | Address, value: number): Output;
    fund(coins: Coin[], options: { changeAddress: Address; rate?: number; subtractFee?: boolean }): Promise<unknown>;
    sign(ring: KeyRing): number;
    toTX(): TX;
  }

  export class Headers {
    toHead(): Buffer;
  }

  export class Block {
    static fromRaw(raw: Buffer): Block;
    txs: TX[];
    version: number;
    time: number;
    bits: number;
    nonce: number;
    /** Internal order hex. */
    prevBlock: string;
    merkleRoot: string;
    hash(): Buffer;
    hash(enc: 'hex'): string;
    rhash(): string;
    toRaw(): Buffer;
    toHead(): Buffer;
    getSize(): number;
    getWeight(): number;
  }

  export class ChainEntry {
    /** Internal order hex. */
    hash: string;
    height: number;
    time: number;
    prevBlock: string;
    rhash(): string;
    toHeaders(): Headers;
  }

  export interface DeploymentState {
    hasCSV(): boolean;
    hasWitness(): boolean;
    hasCLTV(): boolean;
  }

  export interface Lock {
    lock(): Promise<() => void>;
  }

  export class Chain {
    constructor(options: Record<string, unknown>);
    open(): Promise<void>;
    close(): Promise<void>;
    tip: ChainEntry;
    height: number;
    state: DeploymentState;
    locker: Lock;
    network: Network;
    add(block: Block): Promise<ChainEntry | null>;
    getEntry(hash: string | number): Promise<ChainEntry | null>;
    getEntryByHeight(height: number): Promise<ChainEntry | null>;
    getBlock(hash: string): Promise<Block | null>;
    getMedianTime(prev: ChainEntry): Promise<number>;
    hasCoins(tx: TX): Promise<boolean>;
    getDeploymentState(): Promise<DeploymentState>;
    setDeploymentState(state: DeploymentState): void;
    setInvalid(hash: string): void;
    /** Internal (no lock): disconnect the tip block, emitting 'disconnect'. */
    disconnect(entry: ChainEntry): Promise<void>;
    on(event: 'connect', handler: (entry: ChainEntry, block: Block, view: CoinView) => void | Promise<void>): this;
    on(event: 'disconnect', handler: (entry: ChainEntry, block: Block, view: CoinView) => void | Promise<void>): this;
    on(event: string, handler: (...args: never[]) => void | Promise<void>): this;
  }

  export class MempoolEntry {
    tx: TX;
    fee: number;
    size: number;
    time: number;
  }

  export class Mempool {
    constructor(options: Record<string, unknown>);
    open(): Promise<void>;
    close(): Promise<void>;
    /** Internal-order hex → entry, in insertion (dependency) order. */
    map: Map<string, MempoolEntry>;
    tip: string;
    rejects: { reset(): void };
    addTX(tx: TX): Promise<string[] | null>;
    getCoinView(tx: TX): Promise<CoinView>;
    hasEntry(hash: string): boolean;
    reset(): Promise<void>;
    verify(entry: MempoolEntry, view: CoinView): Promise<void>;
    verifyLocks(tx: TX, view: CoinView, flags: number): Promise<boolean>;
    _addBlock(entry: ChainEntry, txs: TX[]): Promise<void>;
    on(event: string, handler: (...args: never[]) => void): this;
  }

  export class BlockTemplate {
    time: number;
    mtp: number;
    pushTX(tx: TX, view?: CoinView): boolean;
    refresh(): void;
  }

  export class CPUJob {
    attempt: BlockTemplate;
    mineAsync(): Promise<Block>;
    refresh(): void;
  }

  export class Miner {
    constructor(options: Record<string, unknown>);
    open(): Promise<void>;
    close(): Promise<void>;
    mempool: Mempool | null;
    createJob(tip?: ChainEntry, address?: Address): Promise<CPUJob>;
  }

  export class KeyRing {
    static fromPrivate(key: Buffer, compress?: boolean): KeyRing;
    witness: boolean;
    getAddress(): Address;
  }

  export const consensus: { COINBASE_MATURITY: number };
}
