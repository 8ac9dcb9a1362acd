// Package layer holds supportd's import rules and the test that keeps the
// module to them; it has no other code and nothing imports it.
//
// Data flows one way, from the front doors down to the shared nouns:
//
//	cmd/supportd                          commands: flags, then one call
//	app                                   the composition, shared with tests
//	httpapi, jobs, bench                  front doors and background work
//	eval                                  scores the assistant
//	assistant                             one turn end to end
//	retrieve, ingest, auth, guard/train   built on the collaborators
//	store, llm, embed, extract, prompt, guard, cache, limit, metrics,
//	notify, tracing, drift, scenario, paste, soak
//	                                      collaborators: none imports another
//	core, config, migrations, prompts,    the foundation
//	web, text
//
// A package may import only the packages its rule names, all of them in
// lower layers. browsertest, dbtest, redistest, testclock, testkit and
// fakellm are test support: only tests and other test support may import
// them. fakellm stands in for a model provider, so the root may import it
// too: it serves it as `supportd fake-llm` and benchmarks the gateway
// against it.
//
// Some modules are confined to the packages that wrap them: langchaingo
// (pre-1.0) is imported only by llm and embed.
//
// Every package under internal/ has a doc.go saying its one job and what it
// must not import, naming what it may import; TestDocsNameTheRule checks
// that the doc and the rule agree.
//
// It must not import any supportd package.
package layer
