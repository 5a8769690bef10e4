/** `decodeURIComponent` that gives null for malformed percent-encoding (`%zz`) instead of throwing. */
export function safeDecodeURIComponent(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
