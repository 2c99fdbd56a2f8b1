-- The examples that rely most on one group's words (or on any group of an axis).
--   share   |relevance| on the group's words / on all words of the example
-- param axis VARCHAR: the axis (default gender)
-- param group VARCHAR: one group of the axis, such as female (default: any group of the axis)
-- param limit INTEGER: how many examples (default 20)
WITH sensitive AS (
    SELECT DISTINCT example_id, segment, word_index
    FROM term_words
    WHERE axis = coalesce(getvariable('axis'), 'gender')
      AND (getvariable('group') IS NULL OR "group" = getvariable('group'))
),
per_example AS (
    SELECT sensitive.example_id,
           string_agg(words.word, ' ' ORDER BY words.segment, words.word_index) AS sensitive_words,
           sum(words.relevance) AS relevance,
           sum(words.abs_relevance) AS abs_relevance
    FROM sensitive JOIN words USING (example_id, segment, word_index)
    GROUP BY sensitive.example_id
)
SELECT per_example.example_id,
       per_example.abs_relevance / nullif(example_totals.total_abs, 0) AS share,
       per_example.relevance,
       per_example.sensitive_words,
       examples.prediction_label,
       examples.target_label,
       examples.label,
       examples.text
FROM per_example
JOIN example_totals USING (example_id)
JOIN examples USING (example_id)
ORDER BY share DESC NULLS LAST, per_example.example_id
LIMIT coalesce(getvariable('limit'), 20);
