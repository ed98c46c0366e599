/**
 * Teams renders Markdown in message text, card TextBlocks and facts. Text that comes from people
 * or files (staff names from the import, team names, a course provider) is escaped before it is
 * shown, so `[Click me](https://…)` shows as those characters instead of a link, and a name with a
 * line break cannot start a heading or a list.
 */
export function md(text: string | undefined | null): string {
  return String(text ?? '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_~[\]()<>#|!]/g, '\\$&')
    .replace(/^(\s*)([-+=]|\d+\.)(?=\s|$)/, '$1\\$2');
}
