// Package listen stores what listening collects: mentions (one table for
// every source, deduplicated exactly by organisation, source and external
// id, and indexed for full-text search over their analysed keys), topics
// (the standing queries) and which mentions each topic matched.
//
// Every function takes a db.Queryer, the pool or a transaction, and an
// organisation id where it reads: one organisation never sees another's
// mentions or topics.
//
// The analysed form: a mention's Keys are the search keys of all tokens of
// its text (internal/text), in order, space-separated, as db.CleanKeys
// accepts them. The ingest pipeline analyses each text once for matching
// anyway, so it passes KeysOf(tokens) with the mention; InsertBatch
// analyses the text itself when Keys is empty, so every stored mention is
// searchable whoever wrote it.
package listen
