/** BOLT 11 tagged field types ("Tagged Fields"): the bech32 character's value is the type. */
export const TAG = {
  paymentHash: 1, // p
  routeHint: 3, // r
  features: 5, // 9
  expiry: 6, // x
  fallback: 9, // f
  description: 13, // d
  paymentSecret: 16, // s
  payeeNodeId: 19, // n
  descriptionHash: 23, // h
  minFinalCltvExpiryDelta: 24, // c
  paymentMetadata: 27, // m
} as const;

/** The bech32 character naming a tag (`p`, `s`, `9`, ...). */
export function tagChar(tag: number): string {
  return 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'[tag] ?? '?';
}
