import { describe, expect, it } from 'vitest';
import { describePageview, type MarketingChannel, marketingChannel } from './pageview.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The channel of a landing URL and an optional referrer, through the same path the collector uses. */
const channel = (url: string, referrer?: string): MarketingChannel => describePageview(url, referrer)['Initial Marketing Channel'];
const landing = (query: string) => `https://shop.example.com/landing?${query}`;

describe('marketingChannel', () => {
  describe('1. utm_medium email, affiliate, display', () => {
    it.each(['email', 'e-mail', 'Email', 'E-MAIL', 'newsletter', 'Newsletter'])('utm_medium=%s is Email', (medium) => {
      expect(channel(landing(`utm_medium=${medium}`))).toBe('Email');
    });

    it('affiliate is Affiliate', () => {
      expect(channel(landing('utm_medium=affiliate&utm_source=partner'))).toBe('Affiliate');
      expect(channel(landing('utm_medium=Affiliate'))).toBe('Affiliate');
    });

    it.each(['display', 'banner', 'cpm', 'Display', 'CPM'])('utm_medium=%s is Display', (medium) => {
      expect(channel(landing(`utm_medium=${medium}&utm_source=adnetwork`))).toBe('Display');
    });

    it('wins over click ids, paid media and referrers', () => {
      expect(channel(landing('utm_medium=email&gclid=abc'), 'https://www.google.com/')).toBe('Email');
      expect(channel(landing('utm_medium=affiliate&msclkid=abc'))).toBe('Affiliate');
      expect(channel(landing('utm_medium=banner&gclid=abc'), 'https://facebook.com/')).toBe('Display');
    });

    it('needs the whole medium', () => {
      expect(channel(landing('utm_medium=emails'))).toBe('Other');
      expect(channel(landing('utm_medium=my-newsletter'))).toBe('Other');
      expect(channel(landing('utm_medium=display-ads'))).toBe('Other');
    });
  });

  describe('2. paid search and paid social', () => {
    it.each(['gclid', 'msclkid', 'gbraid', 'wbraid'])('a %s click id is Paid Search', (param) => {
      expect(channel(landing(`${param}=Cj0KCQ`))).toBe('Paid Search');
      expect(channel(landing(`${param}=x`), 'https://www.facebook.com/')).toBe('Paid Search');
    });

    it.each(['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'cpv', 'cpa', 'CPC'])(
      'utm_medium=%s from a search engine is Paid Search',
      (medium) => {
        expect(channel(landing(`utm_medium=${medium}&utm_source=google`))).toBe('Paid Search');
        expect(channel(landing(`utm_medium=${medium}`), 'https://www.bing.com/search?q=x')).toBe('Paid Search');
      },
    );

    it.each(['facebook', 'fb', 'instagram', 'linkedin', 'twitter', 'x', 'tiktok', 'reddit', 'Facebook'])(
      'a paid medium from the social source %s is Paid Social',
      (source) => {
        expect(channel(landing(`utm_medium=cpc&utm_source=${source}`))).toBe('Paid Social');
      },
    );

    it.each(['facebook.com', 'm.facebook.com', 'instagram.com', 't.co', 'linkedin.com', 'lnkd.in'])(
      'a paid medium from the social source domain %s is Paid Social',
      (source) => {
        expect(channel(landing(`utm_medium=paid&utm_source=${source}`))).toBe('Paid Social');
      },
    );

    it('a paid medium with a social referrer is Paid Social', () => {
      expect(channel(landing('utm_medium=paid'), 'https://l.facebook.com/')).toBe('Paid Social');
      expect(channel(landing('utm_medium=cpc'), 'https://t.co/abc')).toBe('Paid Social');
    });

    it('fbclid with a paid medium is Paid Social', () => {
      expect(channel(landing('utm_medium=paid&fbclid=IwAR0'))).toBe('Paid Social');
      expect(channel(landing('utm_medium=cpc&fbclid=IwAR0'))).toBe('Paid Social');
    });

    it('fbclid alone is not paid', () => {
      expect(channel(landing('fbclid=IwAR0'))).toBe('Direct');
      expect(channel(landing('fbclid=IwAR0'), 'https://m.facebook.com/')).toBe('Social');
    });

    it('a paid medium from a source that is both search and social counts as search', () => {
      expect(channel(landing('utm_medium=cpc&utm_source=google'), 'https://www.facebook.com/')).toBe('Paid Search');
    });

    it('a paid medium from an unknown source is Paid Search', () => {
      expect(channel(landing('utm_medium=cpc'))).toBe('Paid Search');
      expect(channel(landing('utm_medium=ppc&utm_source=somewhere'), 'https://blog.example.org/')).toBe('Paid Search');
    });
  });

  describe('3. utm_medium social', () => {
    it.each(['social', 'social-network', 'social-media', 'sm', 'Social'])('utm_medium=%s is Social', (medium) => {
      expect(channel(landing(`utm_medium=${medium}&utm_source=anything`))).toBe('Social');
    });

    it('wins over a search referrer', () => {
      expect(channel(landing('utm_medium=social'), 'https://www.google.com/')).toBe('Social');
    });
  });

  describe('4. search and social referrers', () => {
    it.each([
      'https://www.google.com/',
      'https://google.com/search?q=idem',
      'https://www.google.co.uk/',
      'https://www.google.de/',
      'https://www.bing.com/search?q=x',
      'https://search.yahoo.com/',
      'https://duckduckgo.com/',
      'https://www.baidu.com/',
      'https://yandex.ru/',
      'https://www.ecosia.org/',
      'https://www.qwant.com/',
      'https://www.startpage.com/',
      'https://search.naver.com/',
      'https://www.seznam.cz/',
      'https://www.ask.com/',
    ])('a referrer from %s is Organic Search', (referrer) => {
      expect(channel('https://shop.example.com/', referrer)).toBe('Organic Search');
    });

    it.each([
      'https://www.facebook.com/',
      'https://m.facebook.com/',
      'https://l.facebook.com/l.php?u=x',
      'https://www.instagram.com/',
      'https://twitter.com/',
      'https://x.com/idem',
      'https://t.co/abc',
      'https://www.linkedin.com/feed',
      'https://lnkd.in/abc',
      'https://www.reddit.com/r/x',
      'https://www.youtube.com/watch?v=x',
      'https://www.tiktok.com/',
      'https://www.pinterest.com/',
      'https://bsky.app/profile/x',
      'https://t.me/channel',
      'https://vk.com/',
    ])('a referrer from %s is Social', (referrer) => {
      expect(channel('https://shop.example.com/', referrer)).toBe('Social');
    });

    it('does not mistake look-alike hosts for search engines or social networks', () => {
      expect(channel('https://shop.example.com/', 'https://googleusercontent.com/')).toBe('Referral');
      expect(channel('https://shop.example.com/', 'https://notgoogle.com/')).toBe('Referral');
      expect(channel('https://shop.example.com/', 'https://myfacebook.com/')).toBe('Referral');
      expect(channel('https://shop.example.com/', 'https://facebook.com.evil.net/')).toBe('Referral');
    });

    it('compares referrer hosts without case', () => {
      expect(channel('https://shop.example.com/', 'https://WWW.GOOGLE.COM/')).toBe('Organic Search');
    });

    it('lets utm parameters override the referrer', () => {
      expect(channel(landing('utm_source=newsletter'), 'https://www.google.com/')).toBe('Other');
      expect(channel(landing('utm_medium=organic'), 'https://www.facebook.com/')).toBe('Other');
    });
  });

  describe('5. internal and referral', () => {
    it.each([
      ['the same host', 'https://shop.example.com/a', 'https://shop.example.com/b'],
      ['a sibling subdomain', 'https://shop.example.com/', 'https://blog.example.com/post'],
      ['the parent domain', 'https://shop.example.com/', 'https://example.com/'],
      ['another scheme', 'https://example.com/', 'http://www.example.com/'],
      ['another case', 'https://Shop.Example.com/', 'https://WWW.EXAMPLE.COM/'],
      ['a sibling under co.uk', 'https://shop.example.co.uk/', 'https://www.example.co.uk/'],
      ['a sibling under com.au', 'https://shop.example.com.au/', 'https://example.com.au/'],
      ['the same IP address', 'http://10.0.0.1:8080/', 'http://10.0.0.1/'],
      ['localhost', 'http://localhost:5173/', 'http://localhost:3000/'],
    ])('%s is Internal', (_label, url, referrer) => {
      expect(channel(url, referrer)).toBe('Internal');
    });

    it.each([
      ['another site', 'https://shop.example.com/', 'https://news.ycombinator.com/item?id=1'],
      ['a similar name', 'https://example.com/', 'https://example.org/'],
      ['another site under co.uk', 'https://shop.example.co.uk/', 'https://www.other.co.uk/'],
      ['another site under com.au', 'https://example.com.au/', 'https://other.com.au/'],
      ['another IP address', 'http://10.0.0.1/', 'http://192.168.0.1/'],
      ['an IP ending like the landing IP', 'http://10.0.0.1/', 'http://10.9.0.1/'],
    ])('%s is Referral', (_label, url, referrer) => {
      expect(channel(url, referrer)).toBe('Referral');
    });

    it('a referrer with an unparsable landing URL is Referral', () => {
      expect(channel('not a url', 'https://blog.example.com/')).toBe('Referral');
    });
  });

  describe('6. other and direct', () => {
    it('any other utm_medium or utm_source is Other', () => {
      expect(channel(landing('utm_medium=qr'))).toBe('Other');
      expect(channel(landing('utm_source=podcast'))).toBe('Other');
      expect(channel(landing('utm_source=google'))).toBe('Other');
      expect(channel(landing('utm_campaign=spring'))).toBe('Direct');
    });

    it('nothing at all is Direct', () => {
      expect(channel('https://shop.example.com/')).toBe('Direct');
      expect(channel('https://shop.example.com/', null as unknown as string)).toBe('Direct');
      expect(channel('https://shop.example.com/', '')).toBe('Direct');
      expect(channel('https://shop.example.com/', 'not a url')).toBe('Direct');
      expect(channel('not a url')).toBe('Direct');
    });
  });

  it('is exported for direct use with parsed URLs', () => {
    expect(marketingChannel(null, null)).toBe('Direct');
    expect(marketingChannel(new URL('https://a.example.com/'), new URL('https://www.google.com/'))).toBe('Organic Search');
    expect(marketingChannel(new URL('https://a.example.com/?gclid=1'), null)).toBe('Paid Search');
  });
});

describe('describePageview (R17)', () => {
  it('derives every Initial field from the URL and referrer', () => {
    expect(
      describePageview(
        'https://shop.example.com/pricing/?utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&utm_term=crm&utm_content=hero#top',
        'https://mail.example.net/inbox?id=1',
      ),
    ).toEqual({
      'Initial Referrer': 'https://mail.example.net/inbox?id=1',
      'Initial Referring Domain': 'mail.example.net',
      'Initial Landing Page': 'shop.example.com/pricing/',
      'Initial UTM Source': 'newsletter',
      'Initial UTM Medium': 'email',
      'Initial UTM Term': 'crm',
      'Initial UTM Content': 'hero',
      'Initial UTM Campaign': 'spring sale',
      'Initial Marketing Channel': 'Email',
    });
  });

  it('answers empty strings and Direct for a bare visit', () => {
    expect(describePageview('https://example.com/')).toEqual({
      'Initial Referrer': '',
      'Initial Referring Domain': '',
      'Initial Landing Page': 'example.com/',
      'Initial UTM Source': '',
      'Initial UTM Medium': '',
      'Initial UTM Term': '',
      'Initial UTM Content': '',
      'Initial UTM Campaign': '',
      'Initial Marketing Channel': 'Direct',
    });
  });

  it('keeps the port in the landing page and drops the query and hash', () => {
    expect(describePageview('http://localhost:5173/login?next=/a#x')['Initial Landing Page']).toBe('localhost:5173/login');
  });

  it('keeps the text of an unparsable URL as the landing page', () => {
    expect(describePageview('/relative/path')['Initial Landing Page']).toBe('/relative/path');
    expect(describePageview('')['Initial Landing Page']).toBe('');
  });

  it('drops an unparsable referrer', () => {
    const info = describePageview('https://example.com/', 'garbage');
    expect(info['Initial Referrer']).toBe('');
    expect(info['Initial Referring Domain']).toBe('');
  });

  it('normalizes the referrer as a URL', () => {
    const info = describePageview('https://example.com/', 'HTTPS://WWW.Google.COM');
    expect(info['Initial Referrer']).toBe('https://www.google.com/');
    expect(info['Initial Referring Domain']).toBe('www.google.com');
  });

  it('cuts every field to 1024 UTF-16 units without splitting a surrogate pair', () => {
    const emoji = encodeURIComponent('\u{1F600}'.repeat(700));
    const info = describePageview(
      `https://example.com/${'p'.repeat(3000)}?utm_source=x${emoji}&utm_campaign=${'c'.repeat(5000)}`,
      `https://ref.example.org/${'r'.repeat(3000)}`,
    );
    expect(info['Initial Landing Page']).toHaveLength(1024);
    expect(info['Initial Referrer']).toHaveLength(1024);
    expect(info['Initial UTM Campaign']).toBe('c'.repeat(1024));
    expect(info['Initial UTM Source']).toBe(`x${'\u{1F600}'.repeat(511)}`);
    expect(LONE_SURROGATE.test(info['Initial UTM Source'])).toBe(false);
    const raw = describePageview(`x${'\u{1F600}'.repeat(700)}`)['Initial Landing Page'];
    expect(raw).toBe(`x${'\u{1F600}'.repeat(511)}`);
  });

  it('survives hostile input', () => {
    const huge = `https://example.com/?${Array.from({ length: 10_000 }, (_, i) => `k${i}=v`).join('&')}&utm_medium=cpc`;
    expect(describePageview(huge)['Initial Marketing Channel']).toBe('Paid Search');
    expect(describePageview('javascript:alert(1)', 'data:text/html,<script>')['Initial Marketing Channel']).toBe('Direct');
    expect(describePageview('https://example.com/?utm_source=%E0%A4%A', undefined)['Initial UTM Source']).toBe('\ufffd%A');
  });
});
