import { escapeHtml as esc, htmlLayout, oneLine } from '#server/mail/html.js';

/** Subject, text and HTML of the password reset mail. The name is user text and is escaped. */
export function renderResetMail(r: { name: string; link: string; ttlMinutes: number }): {
  subject: string;
  text: string;
  html: string;
} {
  const subject = 'Reset your Paperboard password';
  const valid = r.ttlMinutes % 60 === 0 ? `${r.ttlMinutes / 60} hour(s)` : `${r.ttlMinutes} minutes`;
  const text = [
    `Hello ${oneLine(r.name)},`,
    '',
    'Someone (hopefully you) asked to reset the password of your Paperboard account. To choose a new one,',
    `open this link within ${valid}. It works once:`,
    '',
    r.link,
    '',
    'Setting a new password signs you out everywhere. If you did not ask for this, ignore this mail:',
    'your password stays as it is.',
  ].join('\n');
  const body = [
    `<h1 style="font-size:20px;margin:0 0 8px">${esc(subject)}</h1>`,
    `<p>Hello ${esc(oneLine(r.name))},</p>`,
    '<p>Someone (hopefully you) asked to reset the password of your Paperboard account.</p>',
    `<p><a href="${esc(r.link)}" style="display:inline-block;padding:8px 16px;background:#0b57d0;color:#ffffff;` +
      'border-radius:6px;text-decoration:none">Choose a new password</a></p>',
    `<p style="color:#656d76;font-size:13px">The link works once, within ${esc(valid)}. Setting a new password ` +
      'signs you out everywhere.</p>',
  ].join('\n');
  return {
    subject,
    text,
    html: htmlLayout(subject, body, 'If you did not ask for this, ignore this mail: your password stays as it is.'),
  };
}
