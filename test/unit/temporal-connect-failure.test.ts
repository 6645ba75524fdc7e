import { describe, expect, it } from 'vitest';
import { temporalConnectFailure } from '../../app/temporal-client';

describe('why a Temporal connection failed, in words', () => {
  it('takes the reason out of the worker SDK’s transport error', () => {
    const refused = new Error(
      'tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:1, ' +
        'Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))',
    );
    expect(temporalConnectFailure(refused)).toBe('Connection refused');
    const dns = new Error(
      'tonic::transport::Error(Transport, ConnectError(ConnectError("dns error", Custom { kind: Uncategorized, ' +
        'error: "failed to lookup address information: Name or service not known" })))',
    );
    expect(temporalConnectFailure(dns)).toBe('failed to lookup address information: Name or service not known');
  });

  it('keeps a message that is already words', () => {
    expect(temporalConnectFailure(new Error('Failed to connect before the deadline'))).toBe(
      'Failed to connect before the deadline',
    );
  });
});
