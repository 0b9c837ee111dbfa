import {
  AddressPolicy,
  AddressRefusedError,
  checkWebhookUrl,
  guardedLookup,
  parseCidr,
  refusalOf,
  Resolver,
} from './address-guard';

const nothingAllowed: AddressPolicy = { allowedCidrs: [], requireHttps: false };
const loopbackAllowed: AddressPolicy = {
  allowedCidrs: [parseCidr('127.0.0.0/8'), parseCidr('::1')],
  requireHttps: false,
};
/** A resolver that must not be asked (IP literals and localhost never reach DNS). */
const noDns: Resolver = () => Promise.reject(new Error('DNS was asked'));
const fixedDns =
  (answers: Record<string, string[]>): Resolver =>
  (host) =>
    host in answers
      ? Promise.resolve(answers[host])
      : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));

async function refusal(url: string, policy = nothingAllowed, dns = noDns): Promise<string> {
  try {
    await checkWebhookUrl(url, policy, dns);
  } catch (e) {
    if (e instanceof AddressRefusedError) return e.message;
    throw e;
  }
  throw new Error(`${url} was accepted`);
}

describe('address guard at deploy', () => {
  it.each([
    ['http://127.0.0.1/', '127.0.0.1 is a loopback'],
    ['http://127.1.2.3:8080/hook', '127.1.2.3 is a loopback'],
    ['http://[::1]/', '::1 is a loopback'],
    ['http://10.0.0.1/', '10.0.0.1 is a private'],
    ['http://172.16.5.4/', '172.16.5.4 is a private'],
    ['http://192.168.1.1/', '192.168.1.1 is a private'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local'],
    ['http://[fe80::1]/', 'fe80::1 is a link-local'],
    ['http://[fd00::1]/', 'fd00::1 is a unique-local'],
    ['http://224.0.0.1/', '224.0.0.1 is a multicast'],
    ['http://[ff02::1]/', 'ff02::1 is a multicast'],
    ['http://0.0.0.0/', '0.0.0.0 is a unspecified'],
    ['http://[::]/', ':: is a unspecified'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://[64:ff9b::a00:1]/', 'rfc6052'],
    ['http://2130706433/', '127.0.0.1 is a loopback'],
    ['http://0x7f.1/', '127.0.0.1 is a loopback'],
    ['http://localhost:3000/', 'loopback'],
    ['http://LOCALHOST./', 'loopback'],
    ['http://api.localhost/', 'loopback'],
  ])('refuses %s', async (url, why) => {
    expect(await refusal(url)).toContain(why);
  });

  it('refuses names that resolve to a non-public address, naming it', async () => {
    const dns = fixedDns({ 'internal.example.com': ['93.184.215.14', '10.1.2.3'] });
    expect(await refusal('https://internal.example.com/', nothingAllowed, dns)).toBe(
      'internal.example.com resolves to 10.1.2.3 is a private address (not public); WEBHOOK_ALLOWED_CIDRS can allow it',
    );
  });

  it('refuses a host that does not resolve, other schemes, credentials and junk', async () => {
    expect(await refusal('https://nowhere.invalid/', nothingAllowed, fixedDns({}))).toContain(
      'does not resolve (ENOTFOUND)',
    );
    expect(await refusal('ftp://93.184.215.14/')).toContain('ftp: URLs are refused');
    expect(await refusal('file:///etc/passwd')).toContain('file: URLs are refused');
    expect(await refusal('https://user:pw@93.184.215.14/')).toContain('credentials');
    expect(await refusal('not a url')).toContain('not an absolute URL');
  });

  it('accepts public addresses and names', async () => {
    const dns = fixedDns({
      'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
    await expect(
      checkWebhookUrl('https://hooks.example.com/x', nothingAllowed, dns),
    ).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://8.8.8.8/', nothingAllowed, noDns)).resolves.toBeInstanceOf(
      URL,
    );
  });

  it('accepts what WEBHOOK_ALLOWED_CIDRS lists, and only that', async () => {
    for (const url of [
      'http://127.0.0.1:9/',
      'http://[::1]/',
      'http://localhost/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      await expect(checkWebhookUrl(url, loopbackAllowed, noDns)).resolves.toBeInstanceOf(URL);
    }
    expect(await refusal('http://10.0.0.1/', loopbackAllowed)).toContain('private');
    const tenOnly: AddressPolicy = { allowedCidrs: [parseCidr('10.0.0.0/8')], requireHttps: false };
    await expect(checkWebhookUrl('http://10.200.0.1/', tenOnly, noDns)).resolves.toBeInstanceOf(
      URL,
    );
    expect(await refusal('http://[::ffff:127.0.0.1]/', tenOnly)).toContain('loopback');
  });

  it('requires https in production unless the range is allowed', async () => {
    const prod: AddressPolicy = { allowedCidrs: [parseCidr('127.0.0.0/8')], requireHttps: true };
    expect(await refusal('http://8.8.8.8/', prod)).toContain(
      'http to 8.8.8.8 is refused in production',
    );
    await expect(checkWebhookUrl('https://8.8.8.8/', prod, noDns)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://127.0.0.1/', prod, noDns)).resolves.toBeInstanceOf(URL);
  });

  it('parses CIDRs and single addresses, refusing nonsense', () => {
    expect(parseCidr('::ffff:10.0.0.0/104').range[1]).toBe(8);
    expect(() => parseCidr('10.0.0.0/33')).toThrow('not a CIDR');
    expect(() => parseCidr('banana')).toThrow('not an address');
    expect(refusalOf('fe80::1%eth0', nothingAllowed, true)).toContain('link-local');
  });
});

describe('address guard at connect time (lookup)', () => {
  function lookup(policy: AddressPolicy, host: string, all: boolean) {
    return new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guardedLookup(policy, false)(host, { all }, (err, address) => resolve({ err, address })),
    );
  }

  it('refuses localhost unless allowed, and answers in both callback shapes', async () => {
    const refused = await lookup(nothingAllowed, 'localhost', false);
    expect(refused.err).toBeInstanceOf(AddressRefusedError);
    expect(refused.err?.message).toContain('localhost resolves to 127.0.0.1 is a loopback');
    expect(await lookup(loopbackAllowed, 'localhost', false)).toEqual({
      err: null,
      address: '127.0.0.1',
    });
    const all = await lookup(loopbackAllowed, 'localhost', true);
    expect(all.address).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  });
});
