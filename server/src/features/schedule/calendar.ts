/**
 * iCalendar (RFC 5545) rendering of a board's sessions: pure functions, no I/O.
 */

/** One session as the feed shows it. */
interface CalendarEvent {
  cardId: string;
  title: string;
  presenterName: string;
  sessionAt: Date;
  updatedAt: Date;
}

const MAX_LINE_OCTETS = 75;

/** Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks. */
function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds a content line at 75 octets (RFC 5545 §3.1): continuation lines start with one space, which
 * counts towards their 75. Never splits a UTF-8 sequence.
 */
function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    const limit = parts.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** A UTC DATE-TIME value: `20300101T180000Z`. */
function utcDateTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The UID of a card's event: stable across edits of the assignment, unique across boards. */
function eventUid(boardId: string, cardId: string): string {
  return `${boardId}-${cardId}@paperboard`;
}

/** The whole feed: one VEVENT of one hour per session, CRLF line ends, folded lines. */
export function renderCalendar(board: { id: string; name: string }, events: CalendarEvent[]): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Paperboard//Reading group sessions//EN',
    'CALSCALE:GREGORIAN',
    `X-WR-CALNAME:${escapeText(board.name)}`,
  ];
  for (const event of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(eventUid(board.id, event.cardId))}`,
      `DTSTAMP:${utcDateTime(event.updatedAt)}`,
      `LAST-MODIFIED:${utcDateTime(event.updatedAt)}`,
      `DTSTART:${utcDateTime(event.sessionAt)}`,
      'DURATION:PT1H',
      `SUMMARY:${escapeText(event.title)}`,
      `DESCRIPTION:${escapeText(`Presenter: ${event.presenterName}`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
