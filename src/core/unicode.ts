const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * False when `s` holds a lone surrogate. JSON can carry one ("\ud800"), UTF-8 cannot: D1 stores
 * text as UTF-8 and reads it back as U+FFFD, so a stored name would change, and two ids that
 * differed only there would come back as one. Text stored in columns (ids, names, labels) must
 * pass this; values stored as JSON keep their escapes and need not. The cheap test comes first:
 * most strings hold no surrogate at all. (String.prototype.isWellFormed, ES2024, does the same.)
 */
export function isWellFormedText(s: string): boolean {
  return !SURROGATE.test(s) || !LONE_SURROGATE.test(s);
}

export const LONE_SURROGATE_MESSAGE = "must be valid Unicode text (it holds a lone surrogate, which cannot be stored)";
