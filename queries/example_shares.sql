-- Share of relevance on sensitive words, per example: the table the audit's statistics start from.
-- One row per example and group that occurs in it (term NULL: all the group's words), and per
-- example and term. A word counts once per row even when two terms of the group cover it.
--   share          |relevance| on these words / |relevance| on all words of the example
--   expected_share the share their token count predicts: their tokens / all tokens of the example
--   control_share  the share of as many non-lexicon words of the same token length, from the
--                  same example (their mean |relevance| per length; all lengths if none match)
--   top1, topk     one of these words has the example's largest (k largest) |relevance|
-- param top_k INTEGER: how many of an example's words count as its top words (default 3)
WITH lexical AS (SELECT DISTINCT example_id, segment, word_index FROM term_words),
by_length AS (   -- one pass over every word, per example and word length in tokens
    SELECT words.example_id, words.num_tokens,
           sum(words.abs_relevance) AS abs_sum,
           sum(words.num_tokens) AS tokens,
           sum(words.abs_relevance) FILTER (words.norm <> '' AND lexical.word_index IS NULL) AS control_sum,
           count(*) FILTER (words.norm <> '' AND lexical.word_index IS NULL) AS control_count,
           max(words.abs_relevance, coalesce(getvariable('top_k'), 3)) FILTER (words.norm <> '') AS top
    FROM words LEFT JOIN lexical USING (example_id, segment, word_index)
    GROUP BY words.example_id, words.num_tokens
),
totals AS (
    SELECT example_id,
           sum(abs_sum) AS total_abs,
           sum(tokens)::INTEGER AS total_tokens,
           sum(control_sum) / nullif(sum(control_count), 0) AS control_any,
           list_sort(flatten(list(top)), 'DESC') AS top
    FROM by_length GROUP BY example_id
),
units AS (
    SELECT DISTINCT example_id, segment, word_index, num_tokens, abs_relevance, relevance, axis, "group", term
    FROM term_words
    UNION ALL
    SELECT DISTINCT example_id, segment, word_index, num_tokens, abs_relevance, relevance, axis, "group", NULL
    FROM term_words
)
SELECT units.example_id, units.axis, units."group", units.term,
       examples.prediction_label, examples.target_label,
       count(*)::INTEGER AS num_words,
       sum(units.num_tokens)::INTEGER AS num_tokens,
       sum(units.relevance) AS relevance,
       sum(units.abs_relevance) AS abs_relevance,
       sum(coalesce(by_length.control_sum / nullif(by_length.control_count, 0), totals.control_any)) AS control_abs,
       any_value(totals.total_abs) AS total_abs,
       any_value(totals.total_tokens) AS total_tokens,
       sum(units.abs_relevance) / nullif(any_value(totals.total_abs), 0) AS share,
       sum(units.num_tokens) / any_value(totals.total_tokens) AS expected_share,
       control_abs / nullif(any_value(totals.total_abs), 0) AS control_share,
       bool_or(units.abs_relevance > 0 AND units.abs_relevance >= totals.top[1]) AS top1,
       bool_or(units.abs_relevance > 0
               AND units.abs_relevance >= totals.top[least(len(totals.top), coalesce(getvariable('top_k'), 3))]) AS topk
FROM units
JOIN totals USING (example_id)
JOIN examples USING (example_id)
LEFT JOIN by_length ON by_length.example_id = units.example_id AND by_length.num_tokens = units.num_tokens
GROUP BY units.example_id, units.axis, units."group", units.term, examples.prediction_label, examples.target_label
ORDER BY units.example_id, units.axis, units."group", units.term NULLS FIRST;
