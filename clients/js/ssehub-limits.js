/*
 * The server's limits, written by tools/limits_js.c from src/topic.h
 * when ssehub is built: change them there, not here.
 */

/** A topic name, as the server checks it. */
export const TOPIC = /^[A-Za-z0-9._-]{1,64}$/;

/** The same rule for an <input pattern>. */
export const TOPIC_INPUT_PATTERN = '[A-Za-z0-9._\\-]{1,64}';

/** The server's limit of topics per stream. */
export const TOPICS_MAX = 16;
