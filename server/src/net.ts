import net from 'node:net';

/**
 * Whether an address (an IP, or a host name from the configuration) is this machine's loopback:
 * 127.0.0.0/8, ::1, an IPv4-mapped loopback, or `localhost`.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === 'localhost' || address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return net.isIPv4(v4) && v4.startsWith('127.');
}
