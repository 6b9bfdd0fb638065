import { describe, expect, it } from '@jest/globals';
import { withoutCredentials } from './startup-log.js';

describe(withoutCredentials.name, () => {
  it('keeps where a URL points and drops its user name and password', () => {
    expect(withoutCredentials('postgres://tandem:s3cret@db.internal:5432/tandem?sslmode=require')).toBe(
      'postgres://db.internal:5432/tandem',
    );
    expect(withoutCredentials('redis://:s3cret@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(withoutCredentials('redis://cache:6379/0')).toBe('redis://cache:6379/0');
  });
});
