import { defaultKeymap } from '@codemirror/commands';
// The language and the list keys only: `markdown()` would bring HTML, CSS and JavaScript support for
// embedded blocks, three times the weight of everything else here.
import { markdownKeymap, markdownLanguage } from '@codemirror/lang-markdown';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorSelection, EditorState, type ChangeSpec } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { yCollab } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/** The formatting the toolbar and the shortcuts offer. */
export type NoteFormat = 'heading' | 'bold' | 'italic' | 'link' | 'code' | 'bullets' | 'numbers' | 'codeBlock';

/** A mounted note editor: format the selection, focus, and take it down. */
export interface NoteEditor {
  format(kind: NoteFormat): void;
  focus(): void;
  destroy(): void;
}

/** Wraps each selection in `before`/`after` (a link puts the cursor on its URL). */
function wrap(view: EditorView, before: string, after: string): boolean {
  const change = view.state.changeByRange((range) => {
    const text = view.state.sliceDoc(range.from, range.to);
    const insert = `${before}${text}${after}`;
    const cursor = range.empty ? range.from + before.length : range.from + insert.length;
    return { changes: { from: range.from, to: range.to, insert }, range: EditorSelection.cursor(cursor) };
  });
  view.dispatch(view.state.update(change, { scrollIntoView: true, userEvent: 'input' }));
  return true;
}

/** Puts `prefix` (a function of the line's index among the selected ones) at the start of each selected line. */
function prefixLines(view: EditorView, prefix: (index: number) => string): boolean {
  const { state } = view;
  const changes: ChangeSpec[] = [];
  const seen = new Set<number>();
  for (const range of state.selection.ranges) {
    for (let pos = range.from; pos <= range.to;) {
      const line = state.doc.lineAt(pos);
      if (!seen.has(line.number)) {
        seen.add(line.number);
        changes.push({ from: line.from, insert: prefix(seen.size - 1) });
      }
      pos = line.to + 1;
    }
  }
  view.dispatch(state.update({ changes, scrollIntoView: true, userEvent: 'input' }));
  return true;
}

const FORMATS: Record<NoteFormat, (view: EditorView) => boolean> = {
  heading: (view) => prefixLines(view, () => '## '),
  bold: (view) => wrap(view, '**', '**'),
  italic: (view) => wrap(view, '_', '_'),
  link: (view) => wrap(view, '[', '](https://)'),
  code: (view) => wrap(view, '`', '`'),
  bullets: (view) => prefixLines(view, () => '- '),
  numbers: (view) => prefixLines(view, (i) => `${i + 1}. `),
  codeBlock: (view) => wrap(view, '\n```\n', '\n```\n'),
};

const theme = EditorView.theme({
  '&': { fontSize: 'var(--text-sm, 0.875rem)', border: '1px solid var(--border)', borderRadius: '6px' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '1px' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', minHeight: '8rem' },
  '.cm-scroller': { maxHeight: '50vh', overflow: 'auto' },
});

/**
 * Mounts CodeMirror 6 on a note's `Y.Text` (the Markdown itself): Markdown highlighting, the others'
 * cursors and names from awareness (y-codemirror.next), undo of one's own edits only, shortcuts for the
 * formatting (Mod-B, Mod-I, Mod-K link, Mod-E code, Mod-Alt-1 heading). Loaded on demand: this module
 * and CodeMirror are a chunk of their own, fetched when a note is opened.
 */
export function mountNoteEditor(
  parent: HTMLElement,
  text: Y.Text,
  awareness: Awareness,
  options: { readOnly: boolean; label: string },
): NoteEditor {
  const run = (kind: NoteFormat) => (view: EditorView) => (options.readOnly ? false : FORMATS[kind](view));
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        keymap.of([
          { key: 'Mod-b', run: run('bold') },
          { key: 'Mod-i', run: run('italic') },
          { key: 'Mod-k', run: run('link') },
          { key: 'Mod-e', run: run('code') },
          { key: 'Mod-Alt-1', run: run('heading') },
          // Tab is left alone: it moves focus out of the editor, as everywhere else on the page.
          // Enter continues a list or quote, Backspace takes its marker back.
          ...markdownKeymap,
          ...defaultKeymap,
        ]),
        markdownLanguage.extension,
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
        yCollab(text, awareness, { undoManager: new Y.UndoManager(text) }),
        EditorState.readOnly.of(options.readOnly),
        EditorView.editable.of(!options.readOnly),
        EditorView.contentAttributes.of({ 'aria-label': options.label, 'aria-multiline': 'true' }),
        placeholder(options.readOnly ? 'No notes yet.' : 'Notes in Markdown: # heading, - list, `code`, $math$…'),
        theme,
      ],
    }),
  });
  return {
    format(kind) {
      if (FORMATS[kind] && !options.readOnly) FORMATS[kind](view);
      view.focus();
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
