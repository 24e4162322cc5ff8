/** Comments arrive flat (newest first, each with its parent's uid); the page shows threads. */

export type Comment = {
  uid: string;
  parent: string | null;
  text: string;
  add_date: string;
  author_name: string;
  author_profile: string;
  author_thumbnail_url: string;
};

export type Thread = Comment & { replies: Thread[] };

/** Top-level comments newest first, replies oldest first under their parent. A reply whose
 * parent is not in the list (deleted, or on another page) is shown at the top level. */
export function threadComments(flat: Comment[]): Thread[] {
  const byUid = new Map<string, Thread>();
  for (const comment of flat) byUid.set(comment.uid, { ...comment, replies: [] });
  const roots: Thread[] = [];
  for (const comment of flat) {
    const node = byUid.get(comment.uid)!;
    const parent = comment.parent ? byUid.get(comment.parent) : undefined;
    if (parent && parent !== node) parent.replies.push(node);
    else roots.push(node);
  }
  const byDate = (a: Thread, b: Thread) => a.add_date.localeCompare(b.add_date);
  const sortReplies = (node: Thread) => {
    node.replies.sort(byDate);
    node.replies.forEach(sortReplies);
  };
  roots.forEach(sortReplies);
  return roots.sort((a, b) => byDate(b, a));
}

/** The username behind a comment, read from its author's channel address (``…/user/<name>``). */
export function commentAuthor(comment: Pick<Comment, "author_profile">): string {
  try {
    const path = new URL(comment.author_profile, "http://placeholder.invalid").pathname;
    const match = path.match(/^\/user\/([^/]+)\/?$/);
    return match ? decodeURIComponent(match[1]) : "";
  } catch {
    return "";
  }
}

/** Who may delete a comment, as the server decides it: its author, the media's owner, editors. */
export function canDeleteComment(
  comment: Pick<Comment, "author_profile">,
  viewer: { username: string; is_editor: boolean },
  mediaOwner: string,
): boolean {
  if (!viewer.username) return false;
  return viewer.is_editor || viewer.username === mediaOwner || viewer.username === commentAuthor(comment);
}

/** The list without a deleted comment and the replies under it (deleted with it). */
export function withoutComment(flat: Comment[], uid: string): Comment[] {
  const gone = new Set([uid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const comment of flat) {
      if (comment.parent && gone.has(comment.parent) && !gone.has(comment.uid)) {
        gone.add(comment.uid);
        grew = true;
      }
    }
  }
  return flat.filter((comment) => !gone.has(comment.uid));
}
