/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** User text on one line: line breaks and runs of spaces (which could fake structure) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A complete HTML mail around `body` (already escaped HTML). Inline styles only: mail clients drop
 * style sheets. `footer` is escaped HTML too.
 */
export function htmlLayout(title: string, body: string, footer: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f7f9;font-family:-apple-system,BlinkMacSystemFont,' +
      "'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;line-height:1.5\">",
    '<div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:8px;padding:24px">',
    body,
    '</div>',
    `<p style="max-width:600px;margin:16px auto 0;color:#656d76;font-size:12px">${footer}</p>`,
    '</body></html>',
  ].join('\n');
}
