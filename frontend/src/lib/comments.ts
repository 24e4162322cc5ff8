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
