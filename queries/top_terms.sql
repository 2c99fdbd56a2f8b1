-- Lexicon terms ranked by the share of their examples' relevance they carry.
--   examples, occurrences   how many examples contain the term, how often it occurs
--   mean_share              mean over those examples of |relevance| on the term / on all words
--   mean_relevance          mean signed relevance per occurrence (toward each example's target)
--   top1_rate               fraction of those examples whose top word is part of the term
-- param axis VARCHAR: only terms of this axis (default: all axes)
-- param limit INTEGER: how many terms (default 20)
WITH per_example AS (
    SELECT matches.axis, matches."group", matches.term, matches.example_id,
           count(*) AS occurrences,
           sum(matches.relevance) AS relevance
    FROM matches
    WHERE getvariable('axis') IS NULL OR matches.axis = getvariable('axis')
    GROUP BY ALL
),
term_abs AS (   -- |relevance| on the term's words, each word once (two occurrences of "la la" in "la la la" share one)
    SELECT axis, term, example_id, sum(abs_relevance) AS abs_relevance
    FROM (SELECT DISTINCT example_id, segment, word_index, abs_relevance, axis, term FROM term_words
          WHERE getvariable('axis') IS NULL OR axis = getvariable('axis'))
    GROUP BY ALL
),
top AS (
    SELECT DISTINCT term_words.axis, term_words.term, term_words.example_id
    FROM term_words
    JOIN words USING (example_id, segment, word_index)
    JOIN example_totals USING (example_id)
    WHERE words.abs_relevance > 0 AND words.abs_relevance >= example_totals.top1_abs
)
SELECT per_example.axis, per_example."group", per_example.term,
       count(*)::INTEGER AS examples,
       sum(per_example.occurrences)::INTEGER AS occurrences,
       avg(term_abs.abs_relevance / nullif(example_totals.total_abs, 0)) AS mean_share,
       sum(per_example.relevance) / sum(per_example.occurrences) AS mean_relevance,
       count(top.example_id) / count(*) AS top1_rate
FROM per_example
JOIN term_abs USING (axis, term, example_id)
JOIN example_totals USING (example_id)
LEFT JOIN top ON top.axis = per_example.axis AND top.term = per_example.term AND top.example_id = per_example.example_id
GROUP BY per_example.axis, per_example."group", per_example.term
ORDER BY mean_share DESC NULLS LAST, examples DESC, per_example.axis, per_example.term
LIMIT coalesce(getvariable('limit'), 20);
