import { fenced } from '../text/fence';
import type { DocLines } from './readDocLines';
import type { DocSection } from './readSection';

/** Lines of a doc as a model reads them: the citation, the note if any, and the text fenced as data. */
export function docLinesAsText(lines: DocLines): string {
  const where = lines.folder ? `${lines.folder}/${lines.citation}` : lines.citation;
  const cells = lines.cells?.length
    ? `, notebook cell${lines.cells.length > 1 ? 's' : ''} ${lines.cells.map((c) => c.cell).join(', ')}`
    : '';
  return `${where} (of ${lines.totalLines} lines${cells})${lines.note ? ` ${lines.note}` : ''}\n${fenced('doc', lines.text)}`;
}

/** A whole section as a model reads it: its heading path first, then as `docLinesAsText`. */
export function docSectionAsText(section: DocSection): string {
  const heading = section.headingPath.length
    ? `Section ${section.headingPath.join(' > ')}${section.anchor ? ` (#${section.anchor})` : ''}: `
    : '';
  return `${heading}${docLinesAsText(section)}`;
}
