/** A sealed secret: AES-256-GCM ciphertext with its IV, tag and the key version that sealed it. */
export interface Sealed {
  keyVersion: number;
  iv: string; // base64
  ciphertext: string; // base64
  tag: string; // base64
}

export interface Vault {
  readonly currentKeyVersion: number;
  /** `aad` binds the ciphertext to its row, e.g. `${userId}:${brokerAccountId}`. */
  seal(plain: Uint8Array, aad: string): Sealed;
  open(sealed: Sealed, aad: string): Uint8Array;
}
