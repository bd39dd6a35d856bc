/**
 * BOLT 5 on-chain transactions we build after a commitment confirms: sweeps of our outputs and
 * the anchor CPFP child. Pure and synchronous, like ./bolt3 (whose conventions they follow).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
export * from './weights.ts';
export * from './sweep.ts';
export * from './anchor-cpfp.ts';
export * from './htlc-claims.ts';
export * from './second-stage.ts';
export * from './claim-plan.ts';
