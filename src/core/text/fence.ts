/**
 * Puts untrusted text (a doc's passage) between `<tag …>` and `</tag>` so that nothing inside can close the fence
 * early or open another: every `<tag` and `</tag` in the text is written `&lt;tag`, whatever its case.
 */
export function fenced(tag: string, text: string, attributes = ''): string {
  return `<${tag}${attributes ? ` ${attributes}` : ''}>\n${escapeFenceTags(tag, text)}\n</${tag}>`;
}

export function escapeFenceTags(tag: string, text: string): string {
  return text.replace(new RegExp(`<(/?${tag})`, 'gi'), '&lt;$1');
}
