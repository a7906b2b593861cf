/*
 * The dashboard's check of the server: ids are global and consecutive,
 * so on every topic a skipped id is a real loss; on some topics only the
 * order can be checked. The client library already drops anything at or
 * below a subscription's cursor, so "duplicate" and "out of order" here
 * would mean a bug in the library; "gap" one in the server.
 */

const SEEN_MAX = 2048;	/* ids remembered to tell duplicates from disorder */

export class Verdicts {
  /** @param {boolean} everyTopic whether gaps can be proven */
  constructor(everyTopic) {
    this.everyTopic = everyTopic;
    this.lastId = null;
    this.seen = new Set();
    this.gaps = 0;
    this.disorder = 0;
  }

  /**
   * Judges the next id delivered.
   * @returns {{flag?: string, detail?: string}}
   */
  judge(id) {
    const last = this.lastId;
    const out = this.verdict(id, last);
    if (last === null || id > last)
      this.lastId = id;
    this.seen.add(id);
    for (const old of this.seen) {
      if (this.seen.size <= SEEN_MAX)
        break;
      this.seen.delete(old);
    }
    return out;
  }

  verdict(id, last) {
    if (last === null)
      return {};
    if (id <= last) {
      this.disorder++;
      return this.seen.has(id) ?
          { flag: 'duplicate', detail: `id ${id} again` } :
          { flag: 'out of order',
            detail: `id ${id} after ${last}` };
    }
    if (this.everyTopic && id > last + 1) {
      this.gaps++;
      const n = id - last - 1;
      return { flag: 'gap', detail: n === 1 ?
          `id ${last + 1} missing` :
          `ids ${last + 1}–${id - 1} missing (${n})` };
    }
    return {};
  }

  /* The server moved the cursor (a reset): no gap, no disorder. */
  reset(id) {
    this.lastId = id;
    this.seen.clear();
  }
}
