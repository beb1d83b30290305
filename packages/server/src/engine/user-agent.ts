import { UAParser } from 'ua-parser-js';

/** R17: Initial Browser / Device Type / Platform, derived on the collector so the SDK stays small. */
export function describeUserAgent(ua: string | undefined): Record<string, string> {
  if (!ua) return {};
  const parsed = new UAParser(ua.slice(0, 1024)).getResult();
  const type = parsed.device.type;
  return {
    'Initial Browser': parsed.browser.name ?? 'Unknown',
    'Initial Device Type': type === 'mobile' ? 'Mobile' : type === 'tablet' ? 'Tablet' : 'Desktop',
    'Initial Platform': parsed.os.name ?? 'Unknown',
  };
}
