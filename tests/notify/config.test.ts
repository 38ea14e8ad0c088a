/** Bad notification settings refuse the start, naming the setting (and the receiver) at fault. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { notifyOptionsFromConfig } from '../../src/notify/config.ts';

const receivers = (r: unknown) => ({ FM_NOTIFY_RECEIVERS: JSON.stringify(r) });
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('notification settings', () => {
  it.each([
    [
      receivers({ eng: { type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=x' } }),
      'FM_NOTIFY_RECEIVERS',
      'receiver "eng" (dingtalk): no secret',
    ],
    [
      receivers({ hook: { type: 'webhook', url: 'https://h.example.com/x' } }),
      'FM_NOTIFY_RECEIVERS',
      'receiver "hook" (webhook): no secret',
    ],
    [
      receivers({ fs: { type: 'feishu', url: 'open.feishu.cn/x', secret: 's' } }),
      'FM_NOTIFY_RECEIVERS',
      'receiver "fs": url: not a valid URL',
    ],
    [
      receivers({ wc: { type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' } }),
      'FM_NOTIFY_RECEIVERS',
      'receiver "wc" (wecom): the URL has no key= parameter',
    ],
    [receivers({ x: { type: 'slack', url: 'https://x' } }), 'FM_NOTIFY_RECEIVERS', 'receiver x.type'],
    [{ FM_NOTIFY_RECEIVERS: '{not json' }, 'FM_NOTIFY_RECEIVERS', 'not valid JSON'],
    [
      {
        FM_NOTIFY_SMS_URL: 'https://sms.example.com',
        FM_NOTIFY_SMS_TEMPLATE: '{"to":"{phone}","msg":"{text}","sig":"{sign}"}',
      },
      'FM_NOTIFY_SMS_TEMPLATE',
      'unknown placeholder {sign}',
    ],
    [
      { FM_NOTIFY_SMS_URL: 'https://sms.example.com' },
      'FM_NOTIFY_SMS_TEMPLATE',
      'required with FM_NOTIFY_SMS_URL',
    ],
    [
      { FM_NOTIFY_SMS_URL: 'sms.example.com/send', FM_NOTIFY_SMS_TEMPLATE: '{"to":"{phone}","m":"{text}"}' },
      'FM_NOTIFY_SMS_URL',
      'no scheme',
    ],
    [
      { FM_NOTIFY_SMTP_URL: 'smtp://mail.example.com:587' },
      'FM_NOTIFY_SMTP_FROM',
      'required with FM_NOTIFY_SMTP_URL',
    ],
    [
      { FM_NOTIFY_SMTP_URL: 'http://mail.example.com', FM_NOTIFY_SMTP_FROM: 'a@b.c' },
      'FM_NOTIFY_SMTP_URL',
      'http:// is not accepted here',
    ],
    [{ FM_NOTIFY_CONSOLE_URL: 'fm.example.com' }, 'FM_NOTIFY_CONSOLE_URL', 'no scheme'],
  ])('refuses %j naming %s', (env, name, why) => {
    const message = refusal(env as Record<string, string>);
    expect(message).toContain(name);
    expect(message).toContain(why);
  });

  it('never prints a receiver secret in a refusal', () => {
    const message = refusal(receivers({ a: { type: 'feishu', url: 'x', secret: 'TOPSECRET-123' } }));
    expect(message).not.toContain('TOPSECRET');
  });

  it('accepts a complete configuration and builds the sender options from it', () => {
    const c = loadConfig({
      ...receivers({
        eng: {
          type: 'dingtalk',
          url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
          secret: 'SECx',
          trades: ['engineering'],
        },
        sec: { type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
      }),
      FM_NOTIFY_SMS_URL: 'https://sms.example.com/send',
      FM_NOTIFY_SMS_TEMPLATE: '{"to":"{phone}","params":{"text":"{text}"}}',
      FM_NOTIFY_CONSOLE_URL: 'https://fm.example.com/',
    });
    const o = notifyOptionsFromConfig(c)!;
    expect(Object.keys(o.receivers)).toEqual(['eng', 'sec']);
    expect(o).toMatchObject({ consoleUrl: 'https://fm.example.com', sms: { dailyCap: 20 }, maxAttempts: 50 });
    expect(notifyOptionsFromConfig(loadConfig({}))).toBeUndefined();
  });
});
