import { describe, expect, it } from 'vitest';
import { type TrackingHit, classifyTrackingHit } from '../../tracking/machine';

// User agents as recorded from real traffic (vendor documentation, ESP bot lists, access logs).
const UA = {
  appleMpp: 'Mozilla/5.0',
  iphoneMail:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  yahooProxy: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
  desktopChrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  cubotPhone:
    'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36',
  outlookSafeLinks: 'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b',
  microsoftPreview: 'MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview',
  barracuda: 'Barracuda Sentinel (EE)',
  curl: 'curl/8.5.0',
  pythonRequests: 'python-requests/2.31.0',
  goHttp: 'Go-http-client/1.1',
  headlessChrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

const sentAt = new Date('2026-11-23T10:00:00Z');
const later = (ms: number) => new Date(sentAt.getTime() + ms);
const HOUR = 3_600_000;

function hit(overrides: Partial<TrackingHit>): TrackingHit {
  return {
    type: 'open',
    method: 'GET',
    occurredAt: later(HOUR),
    userAgent: UA.iphoneMail,
    ipPrefix: '198.51.100.0/24',
    sentAt,
    ...overrides,
  };
}
const verdict = (overrides: Partial<TrackingHit>) => {
  const { machine, reason } = classifyTrackingHit(hit(overrides));
  return { machine, reason };
};
const human = { machine: false, reason: null };

describe('opens', () => {
  it('an iPhone Mail open an hour after the send is human', () => {
    expect(verdict({ userAgent: UA.iphoneMail })).toEqual(human);
  });

  it("Apple Mail Privacy Protection: the bare 'Mozilla/5.0' fetch, or any fetch from Apple's 17.0.0.0/8", () => {
    expect(verdict({ userAgent: UA.appleMpp })).toEqual({ machine: true, reason: 'apple_privacy_proxy' });
    expect(verdict({ userAgent: UA.appleMpp, ipPrefix: '17.58.101.0/24' })).toEqual({
      machine: true,
      reason: 'apple_privacy_proxy',
    });
    expect(verdict({ userAgent: UA.iphoneMail, ipPrefix: '17.58.101.0/24' })).toEqual({
      machine: true,
      reason: 'apple_privacy_proxy',
    });
    // 170.x and 117.x are not Apple's
    expect(verdict({ ipPrefix: '170.58.101.0/24' })).toEqual(human);
    expect(verdict({ ipPrefix: '117.58.101.0/24' })).toEqual(human);
  });

  it("Gmail's and Yahoo's image proxies fetch when the reader opens the email: human", () => {
    expect(verdict({ userAgent: UA.gmailProxy, ipPrefix: '66.249.84.0/24' })).toEqual(human);
    expect(verdict({ userAgent: UA.yahooProxy })).toEqual(human);
  });

  it('an open within 2 seconds of the send, or before the SMTP server accepted it, is a machine', () => {
    expect(verdict({ occurredAt: later(1_500) })).toEqual({ machine: true, reason: 'too_soon_after_send' });
    expect(verdict({ occurredAt: later(2_000) })).toEqual(human);
    expect(verdict({ sentAt: null })).toEqual({ machine: true, reason: 'before_send_completed' });
    expect(verdict({ occurredAt: later(-200) })).toEqual({ machine: true, reason: 'before_send_completed' });
  });

  it('a request without a User-Agent, or a HEAD request, is a machine', () => {
    expect(verdict({ userAgent: null })).toEqual({ machine: true, reason: 'missing_user_agent' });
    expect(verdict({ userAgent: '  ' })).toEqual({ machine: true, reason: 'missing_user_agent' });
    expect(verdict({ method: 'HEAD' })).toEqual({ machine: true, reason: 'head_request' });
  });
});

describe('clicks', () => {
  const click = (overrides: Partial<TrackingHit>) => verdict({ type: 'click', linkIndex: 0, ...overrides });

  it('desktop Chrome and an Android phone (even a CUBOT) are human', () => {
    expect(click({ userAgent: UA.desktopChrome })).toEqual(human);
    expect(click({ userAgent: UA.cubotPhone })).toEqual(human);
  });

  it('security gateways, link previewers, crawlers and HTTP libraries are machines', () => {
    for (const userAgent of [
      UA.outlookSafeLinks,
      UA.microsoftPreview,
      UA.barracuda,
      UA.curl,
      UA.pythonRequests,
      UA.goHttp,
      UA.headlessChrome,
      UA.googlebot,
    ]) {
      expect(click({ userAgent }), userAgent).toEqual({ machine: true, reason: 'bot_user_agent' });
    }
  });

  it('a scanner name beyond the 512 stored characters is still recognised', () => {
    expect(click({ userAgent: `${UA.desktopChrome} ${'x'.repeat(600)} Barracuda` }).machine).toBe(true);
  });

  it("a click from Apple's network is an Apple employee, not Mail Privacy Protection (it never clicks)", () => {
    expect(click({ userAgent: UA.desktopChrome, ipPrefix: '17.58.101.0/24' })).toEqual(human);
  });

  it('a click within 2 seconds of the send is a machine', () => {
    expect(click({ userAgent: UA.desktopChrome, occurredAt: later(900) })).toEqual({
      machine: true,
      reason: 'too_soon_after_send',
    });
  });
});

describe('link-scanner bursts', () => {
  const at = later(HOUR);
  const ago = (ms: number) => new Date(at.getTime() - ms);
  const burst = (linkIndex: number, recentClicks: TrackingHit['recentClicks']) =>
    classifyTrackingHit(hit({ type: 'click', userAgent: UA.desktopChrome, occurredAt: at, linkIndex, recentClicks }));

  it('a third distinct link within 5 seconds reveals a scanner, and names the earlier clicks to re-mark', () => {
    const result = burst(2, [
      { id: 11, linkIndex: 0, occurredAt: ago(800) },
      { id: 12, linkIndex: 1, occurredAt: ago(400) },
    ]);
    expect(result).toEqual({ machine: true, reason: 'link_scanner_burst', burstClickIds: [11, 12] });
  });

  it('a second distinct link within a second is a scanner too (an email with two links has no third)', () => {
    expect(burst(1, [{ id: 7, linkIndex: 0, occurredAt: ago(150) }])).toEqual({
      machine: true,
      reason: 'link_scanner_burst',
      burstClickIds: [7],
    });
    // Only the other link's click is re-marked: the same link clicked twice is a person's double click.
    expect(
      burst(1, [
        { id: 8, linkIndex: 1, occurredAt: ago(900) },
        { id: 9, linkIndex: 0, occurredAt: ago(600) },
      ]),
    ).toEqual({ machine: true, reason: 'link_scanner_burst', burstClickIds: [9] });
  });

  it('two links over a second apart, the same link three times, or three links over a minute are a person', () => {
    expect(burst(1, [{ id: 1, linkIndex: 0, occurredAt: ago(1_500) }])).toEqual({ ...human, burstClickIds: [] });
    expect(
      burst(0, [
        { id: 1, linkIndex: 0, occurredAt: ago(900) },
        { id: 2, linkIndex: 0, occurredAt: ago(400) },
      ]),
    ).toEqual({ ...human, burstClickIds: [] });
    expect(
      burst(2, [
        { id: 1, linkIndex: 0, occurredAt: ago(60_000) },
        { id: 2, linkIndex: 1, occurredAt: ago(30_000) },
      ]),
    ).toEqual({ ...human, burstClickIds: [] });
  });

  it('a click that is a machine for another reason keeps that reason and still reveals the burst', () => {
    const result = classifyTrackingHit(
      hit({
        type: 'click',
        userAgent: UA.barracuda,
        occurredAt: at,
        linkIndex: 2,
        recentClicks: [
          { id: 1, linkIndex: 0, occurredAt: ago(300) },
          { id: 2, linkIndex: 1, occurredAt: ago(200) },
        ],
      }),
    );
    expect(result).toEqual({ machine: true, reason: 'bot_user_agent', burstClickIds: [1, 2] });
  });
});
