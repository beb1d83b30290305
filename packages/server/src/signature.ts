import { createHmac, timingSafeEqual } from 'node:crypto';
import { identitySignaturePayload } from '@idem/core';

/** Checks signed identify calls in constant time (see core's identitySignaturePayload). */
export function identifyVerifier(appId: string, secret: string) {
  return (identity: string, signature: string | null): boolean => {
    if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
    const expected = createHmac('sha256', secret).update(identitySignaturePayload(appId, identity)).digest();
    return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  };
}
