import sanitizeHtml from "sanitize-html";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Plain text from the API or CLI as the HTML fediverse software shows: paragraphs, line breaks, links. */
export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${linkify(escapeHtml(p)).replace(/\n/g, "<br>")}</p>`)
    .join("");
}

function linkify(escaped: string): string {
  return escaped.replace(/\bhttps?:\/\/[^\s<]+[^\s<.,;:!?)\]'"]/g, (url) => `<a href="${url}" rel="nofollow noopener noreferrer" target="_blank">${url}</a>`);
}

// What Mastodon itself lets through from remote servers, more or less.
const REMOTE_HTML: sanitizeHtml.IOptions = {
  allowedTags: ["p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"],
  allowedAttributes: { a: ["href", "rel", "class", "title"], span: ["class"], ol: ["start", "reversed"], li: ["value"] },
  allowedSchemes: ["http", "https", "mailto"],
  transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer", target: "_blank" }) },
};

/** Remote HTML is hostile: keep formatting and links, drop scripts, styles and everything else. */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, REMOTE_HTML);
}

export function htmlToText(html: string): string {
  return sanitizeHtml(html.replace(/<br\s*\/?>/gi, "\n").replace(/<\/p>/gi, "\n\n"), { allowedTags: [], allowedAttributes: {} }).trim();
}
