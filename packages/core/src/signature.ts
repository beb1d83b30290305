/**
 * Verified identify (issue "Beyond Heap"): an app's backend signs the identity with an app secret
 * (HMAC-SHA256, hex) and the SDK passes the signature along; the collector refuses an unsigned or
 * forged identify for that app with `unverified`. This is the exact text that is signed, so
 * @idem/node and the collector cannot disagree. The identity is signed as normalised (trimmed).
 */
export function identitySignaturePayload(appId: string, identity: string): string {
  return `idem-identify:v1:${appId}:${identity}`;
}
