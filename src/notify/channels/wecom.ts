/**
 * WeCom group robot (企业微信群机器人): POST to the robot's URL, whose `key` is its secret; nothing
 * is signed. Markdown cannot @-mention by mobile number, only `text` can (mentioned_mobile_list),
 * so a message that must reach someone by name goes as text, any other as markdown.
 * Answer: HTTP 200 with `errcode` 0.
 */
import { type Deliver, type Outgoing, postJson, vendorAnswer } from './types.ts';

export function wecomBody(o: Outgoing): Record<string, unknown> {
  const m = o.message;
  if (o.mentions.length > 0) {
    return {
      msgtype: 'text',
      text: { content: m.link ? `${m.text}\n${m.link}` : m.text, mentioned_mobile_list: o.mentions },
    };
  }
  const warn = o.emergency ? '<font color="warning">' : '';
  return {
    msgtype: 'markdown',
    markdown: {
      content: `**${warn}${m.title}${warn ? '</font>' : ''}**\n${m.text}${m.link ? `\n[${m.link}](${m.link})` : ''}`,
    },
  };
}

export function wecomChannel(url: string): Deliver {
  return async (o) => vendorAnswer(await postJson(url, JSON.stringify(wecomBody(o))), ['errcode']);
}
