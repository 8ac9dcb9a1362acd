// Package paste splits a support message into what the customer asks and
// what they pasted under it: log lines, stack traces, system info
// ("OS: Windows 11") and code fences. The assistant retrieves on the
// question and the pasted text's salient lines (errors and error codes),
// and shows the model a bounded excerpt of the pasted text.
//
// It must not import any supportd package: it is a leaf, beside guard.
package paste
