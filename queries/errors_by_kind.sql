-- Rows the scan could not explain, by kind (unreadable, invalid_text, tokenizer, model), with one example message.
SELECT kind, count(*)::INTEGER AS rows, min(message) AS example_message
FROM errors
GROUP BY kind
ORDER BY rows DESC, kind;
