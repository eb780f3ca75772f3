import { describe, expect, it } from 'vitest';
import { signV2 } from '../../src/aliyun/sign-v2.js';
import { EMPTY_BODY_SHA256, signV3 } from '../../src/aliyun/sign-v3.js';
import { percentEncode } from '../../src/aliyun/percent-encode.js';

// Official test vectors, copied from ../shared/API-NOTES.md so the tests stand alone.
describe('official signature vectors', () => {
  it('V2 (HMAC-SHA1) DescribeDedicatedHosts example', () => {
    const signature = signV2({
      method: 'GET',
      accessKeySecret: 'testsecret',
      params: {
        AccessKeyId: 'testid',
        Action: 'DescribeDedicatedHosts',
        Format: 'JSON',
        RegionId: 'cn-beijing',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: 'edb2b34af0af9a6d14deaf7c1a5315eb',
        SignatureVersion: '1.0',
        Timestamp: '2023-03-13T08:34:30Z',
        Version: '2014-05-26',
      },
    });
    expect(signature).toBe('9NaGiOspFP5UPcwX8Iwt2YJXXuk=');
  });

  it('V3 (ACS3-HMAC-SHA256) RunInstances example', () => {
    const result = signV3({
      method: 'POST',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      headers: {
        host: 'ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action': 'RunInstances',
        'x-acs-version': '2014-05-26',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
        'x-acs-content-sha256': EMPTY_BODY_SHA256,
      },
      payloadHash: EMPTY_BODY_SHA256,
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
    });
    expect(result.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(result.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });
});

describe('percentEncode', () => {
  it.each([
    ['a b', 'a%20b'],
    ['*', '%2A'],
    ['~', '~'],
    ["!'()", '%21%27%28%29'],
    ['a+b/c=d&e', 'a%2Bb%2Fc%3Dd%26e'],
    ['域名', '%E5%9F%9F%E5%90%8D'],
  ])('%j -> %j', (input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });
});
