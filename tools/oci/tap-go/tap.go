// Package tap writes the Test Anything Protocol (version 13).
//
// The OCI validation suite (opencontainers/runtime-tools validation/ and
// cmd/runtimetest) imports github.com/mndrix/tap-go, which Debian does not
// package. tools/oci/build-validation.sh puts this file at that import path:
// the same calls (New, Header, Ok, Pass, Fail, Skip, Todo, AutoPlan,
// Diagnostic, Diagnosticf, YAML, Count) with the same output.
package tap

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// T is one TAP stream.
type T struct {
	next   *int // shared with the streams Todo returns
	TODO   bool
	Writer io.Writer
}

// New starts a stream on standard output.
func New() *T {
	n := 1
	return &T{next: &n, Writer: os.Stdout}
}

func (t *T) printf(format string, a ...interface{}) { fmt.Fprintf(t.Writer, format, a...) }

// Header prints the version line and, when testCount > 0, the plan.
func (t *T) Header(testCount int) {
	t.printf("TAP version 13\n")
	if testCount > 0 {
		t.printf("1..%d\n", testCount)
	}
}

// Ok reports one test.
func (t *T) Ok(test bool, description string) {
	status := "ok"
	if !test {
		status = "not ok"
	}
	todo := ""
	if t.TODO {
		todo = " # TODO"
	}
	t.printf("%s %d - %s%s\n", status, *t.next, description, todo)
	*t.next++
}

// Pass and Fail report a test whose result is known.
func (t *T) Pass(description string) { t.Ok(true, description) }
func (t *T) Fail(description string) { t.Ok(false, description) }

// Skip reports count skipped tests.
func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		t.printf("ok %d # SKIP %s\n", *t.next, description)
		*t.next++
	}
}

// Todo returns a stream whose tests are marked TODO.
func (t *T) Todo() *T {
	n := *t
	n.TODO = true
	return &n
}

// Count is the number of tests reported so far.
func (t *T) Count() int { return *t.next - 1 }

// AutoPlan prints the plan after the tests.
func (t *T) AutoPlan() { t.printf("1..%d\n", t.Count()) }

// Diagnostic prints a comment, one "# " line per line.
func (t *T) Diagnostic(message string) {
	t.printf("# %s\n", strings.ReplaceAll(strings.TrimRight(message, "\n"), "\n", "\n# "))
}

// Diagnosticf formats a comment.
func (t *T) Diagnosticf(format string, a ...interface{}) { t.Diagnostic(fmt.Sprintf(format, a...)) }

// YAML prints a YAML block (JSON is YAML) under the last test.
func (t *T) YAML(message interface{}) error {
	b, err := json.MarshalIndent(message, "  ", "  ")
	if err != nil {
		return err
	}
	t.printf("  ---\n  %s\n  ...\n", b)
	return nil
}
