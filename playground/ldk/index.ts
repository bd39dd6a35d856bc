/** The LDK harness: real LDK nodes (npm `lightningdevkit`) on real sockets. */
export { loadLdk, ldkWasmPath, isLdkPanic } from './wasm.ts';
export type { Ldk } from './wasm.ts';
export { LdkNode, toHex } from './node.ts';
export type { LdkNodeOptions, LdkPeerInfo } from './node.ts';
export type { LdkNodeConfig } from './config.ts';
export type { FeatureOverrides } from './features.ts';
export { featureBitsFromLeFlags } from './features.ts';
export { LdkPayments, LdkPaymentError } from './payments.ts';
export type { LdkChannelBalance, LdkClaimedPayment, LdkHandlingFailure, LdkInvoiceOptions, LdkPathFailure, LdkPayOptions, LdkPaymentSent, LdkReceivePolicy } from './payments.ts';
export { attachBumpHandler } from './bump.ts';
export type { BumpRecord, LdkBumper } from './bump.ts';
