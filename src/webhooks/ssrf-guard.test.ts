import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type dns from 'node:dns';
import fc from 'fast-check';
import {
  BLOCKED_IPV4,
  classifyAddress,
  classifyIPv4,
  guardedLookup,
  literalHostRefusal,
  parseIPv4,
  parseIPv6,
  RefusedAddressError,
} from './ssrf-guard.ts';

const ipv4Text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

// An independent oracle for IPv4: Node's own BlockList, fed with the same ranges written out as text.
const IPV4_RANGES = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4',
];
const oracle = new net.BlockList();
for (const r of IPV4_RANGES) {
  const [a, bits] = r.split('/');
  oracle.addSubnet(a, Number(bits), 'ipv4');
}

const arbIPv4 = fc.integer({ min: 0, max: 0xffffffff });
/** An address inside one of the blocked IPv4 ranges. */
const arbBlockedIPv4 = fc
  .tuple(fc.constantFrom(...BLOCKED_IPV4), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([r, x]) => (r.bits === 32 ? r.base : (r.base + (x % 2 ** (32 - r.bits))) >>> 0));

const hex16 = (b: Uint8Array, i: number) => ((b[i] << 8) | b[i + 1]).toString(16);
/** Full, uncompressed textual form of 16 bytes. */
const ipv6Full = (b: Uint8Array) => Array.from({ length: 8 }, (_, i) => hex16(b, 2 * i)).join(':');
/** The WHATWG URL serializer's canonical (compressed) form. */
const ipv6Canonical = (b: Uint8Array) => new URL(`http://[${ipv6Full(b)}]/`).hostname.slice(1, -1);

describe('IPv4 classification', () => {
  it('agrees with node:net BlockList on every address', () => {
    fc.assert(
      fc.property(arbIPv4, (n) => {
        const text = ipv4Text(n);
        assert.equal(classifyAddress(text) !== 'public', oracle.check(text, 'ipv4'), text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses every address of every blocked range', () => {
    fc.assert(fc.property(arbBlockedIPv4, (n) => classifyIPv4(n) !== 'public'));
  });

  it('names the range', () => {
    assert.equal(classifyAddress('127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('127.255.255.254'), 'loopback');
    assert.equal(classifyAddress('10.1.2.3'), 'private');
    assert.equal(classifyAddress('172.16.0.1'), 'private');
    assert.equal(classifyAddress('172.31.255.255'), 'private');
    assert.equal(classifyAddress('192.168.1.1'), 'private');
    assert.equal(classifyAddress('169.254.169.254'), 'link-local');
    assert.equal(classifyAddress('100.64.0.1'), 'cgnat');
    assert.equal(classifyAddress('100.127.255.255'), 'cgnat');
    assert.equal(classifyAddress('0.0.0.0'), 'unspecified');
    assert.equal(classifyAddress('224.0.0.1'), 'multicast');
    assert.equal(classifyAddress('239.255.255.250'), 'multicast');
    assert.equal(classifyAddress('255.255.255.255'), 'broadcast');
    assert.equal(classifyAddress('240.0.0.1'), 'reserved');
  });

  it('allows public unicast, including the neighbours of blocked ranges', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '223.255.255.255']) {
      assert.equal(classifyAddress(a), 'public', a);
    }
  });

  it('parses only dotted quads', () => {
    assert.equal(parseIPv4('1.2.3.4'), 0x01020304);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-1', 'a.b.c.d', '', '1..2.3']) assert.equal(parseIPv4(bad), undefined, bad);
  });
});

describe('IPv6 classification', () => {
  it('parses every textual form of the same 16 bytes to those bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        assert.deepEqual(parseIPv6(ipv6Full(bytes)), bytes);
        assert.deepEqual(parseIPv6(ipv6Canonical(bytes)), bytes);
        assert.deepEqual(parseIPv6(`[${ipv6Canonical(bytes)}]`), bytes);
        assert.deepEqual(parseIPv6(`${ipv6Full(bytes)}%eth0`), bytes);
      }),
    );
  });

  it('classifies IPv4-mapped addresses, in every notation, like the IPv4 address', () => {
    fc.assert(
      fc.property(fc.oneof(arbIPv4, arbBlockedIPv4), (n) => {
        const v4 = ipv4Text(n);
        const expected = classifyIPv4(n);
        const hi = (n >>> 16).toString(16);
        const lo = (n & 0xffff).toString(16);
        for (const form of [`::ffff:${v4}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:ffff:${hi}:${lo}`, `::FFFF:${v4}`, `::ffff:0:${v4}`]) {
          assert.equal(classifyAddress(form), expected, form);
        }
        // NAT64 and 6to4 embed an IPv4 address too: a blocked one stays blocked.
        if (expected !== 'public') {
          assert.notEqual(classifyAddress(`64:ff9b::${v4}`), 'public');
          assert.notEqual(classifyAddress(`2002:${hi}:${lo}::1`), 'public');
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('names the range', () => {
    assert.equal(classifyAddress('::'), 'unspecified');
    assert.equal(classifyAddress('::1'), 'loopback');
    assert.equal(classifyAddress('[::1]'), 'loopback');
    assert.equal(classifyAddress('0:0:0:0:0:0:0:1'), 'loopback');
    assert.equal(classifyAddress('fe80::1%lo0'), 'link-local');
    assert.equal(classifyAddress('febf:ffff::1'), 'link-local');
    assert.equal(classifyAddress('fc00::1'), 'unique-local');
    assert.equal(classifyAddress('fd12:3456:789a::1'), 'unique-local');
    assert.equal(classifyAddress('ff02::1'), 'multicast');
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::ffff:7f00:1'), 'loopback');
    assert.equal(classifyAddress('::ffff:10.0.0.1'), 'private');
    assert.equal(classifyAddress('::ffff:169.254.169.254'), 'link-local');
    assert.equal(classifyAddress('::127.0.0.1'), 'reserved');
    assert.equal(classifyAddress('2001:db8::1'), 'reserved');
    assert.equal(classifyAddress('2002:7f00:1::'), 'loopback');
    assert.equal(classifyAddress('64:ff9b::a9fe:a9fe'), 'link-local');
  });

  it('allows public unicast', () => {
    for (const a of ['2001:4860:4860::8888', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001:81c::200e', 'fbff:ffff::1', 'fec0::1'.replace('fec0', '2400')]) {
      assert.equal(classifyAddress(a), 'public', a);
    }
  });

  it('never classifies random non-addresses', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (net.isIP(s.replace(/^\[|\]$/g, '').replace(/%.*$/, '')) === 0) assert.equal(classifyAddress(s), undefined, s);
      }),
    );
  });
});

describe('literalHostRefusal (subscription time, no DNS)', () => {
  it('refuses loopback names and non-public literal IPs', () => {
    for (const host of ['localhost', 'LOCALHOST', 'api.localhost', 'localhost.', '127.0.0.1', '[::1]', '10.0.0.7', '[::ffff:192.168.0.1]', '169.254.169.254']) {
      assert.match(literalHostRefusal(host) ?? '', /^refused: /, host);
    }
  });
  it('leaves names and public IPs to the delivery-time check', () => {
    for (const host of ['example.com', '8.8.8.8', '[2001:4860:4860::8888]', 'localhost.example.com']) {
      assert.equal(literalHostRefusal(host), undefined, host);
    }
  });
  it('sees through the URL parser’s IPv4 forms', () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://0177.0.0.1/']) {
      assert.match(literalHostRefusal(new URL(url).hostname) ?? '', /loopback/, url);
    }
  });
});

describe('guardedLookup (delivery time)', () => {
  const lookup = (answers: dns.LookupAddress[], options: dns.LookupOptions = {}) =>
    new Promise<{ err: Error | null; address: unknown; family?: number; calls: number }>((resolve) => {
      let calls = 0;
      const fn = guardedLookup(async () => {
        calls++;
        return answers;
      });
      fn('hooks.example.com', options, (err, address, family) => resolve({ err, address, family, calls }));
    });

  it('hands back the checked public addresses, resolving once', async () => {
    const one = await lookup([{ address: '93.184.216.34', family: 4 }]);
    assert.equal(one.err, null);
    assert.equal(one.address, '93.184.216.34');
    assert.equal(one.family, 4);
    assert.equal(one.calls, 1);
    const all = await lookup([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::248', family: 6 }], { all: true });
    assert.deepEqual(all.address, [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::248', family: 6 }]);
    const v6 = await lookup([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::248', family: 6 }], { family: 6 });
    assert.equal(v6.address, '2606:2800:220:1::248');
  });

  it('refuses the name when any of its addresses is not public', async () => {
    for (const bad of ['127.0.0.1', '10.0.0.1', '::1', '::ffff:127.0.0.1', 'fd00::1', '169.254.169.254', '100.64.1.1', '0.0.0.0']) {
      const r = await lookup([{ address: '93.184.216.34', family: 4 }, { address: bad, family: bad.includes(':') ? 6 : 4 }], { all: true });
      assert.ok(r.err instanceof RefusedAddressError, bad);
      assert.match(r.err.message, /^refused: the endpoint's host hooks\.example\.com is not allowed/);
      assert.ok(!r.err.message.includes(bad), 'the resolved address is not told');
    }
  });

  it('is what a socket connects with: no second lookup', async () => {
    let calls = 0;
    const socket = net.connect({
      host: 'rebinding.example',
      port: 9,
      lookup: guardedLookup(async () => {
        calls++;
        return [{ address: calls === 1 ? '127.0.0.1' : '93.184.216.34', family: 4 }];
      }) as never,
    });
    const err = await new Promise<Error>((resolve) => socket.once('error', resolve));
    socket.destroy();
    assert.ok(err instanceof RefusedAddressError, String(err));
    assert.equal(calls, 1);
  });
});
