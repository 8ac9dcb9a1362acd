package prompt

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"text/template"
	"text/template/parse"
)

// taint says what a template value may hold, as far as printing it goes.
type taint int

const (
	// clean values are safe to print: literals, ids, roles, counts, and
	// anything that went through a sanitizer.
	clean taint = iota
	// record values are passages, messages or lists of them: printing one
	// whole would print its untrusted fields, but a field not named in
	// fieldTaint, such as ID or Role, is clean.
	record
	// raw values are untrusted text.
	raw
)

// fieldTaint returns the taint of the value a field named name selects,
// and false for a field that keeps the taint of its holder.
func fieldTaint(name string) (taint, bool) {
	switch name {
	case "Text", "Question", "Title", "Source", "Content", "Reference", "Answer":
		return raw, true
	case "Passages", "History":
		return record, true
	}
	return clean, false
}

// checkTemplate returns an error for each action of t, or of a template it
// defines, that prints untrusted text without a sanitizer.
//
// Taints only ever get worse: a variable keeps the worst value it was
// given in any scope, and a defined template's dot the worst its callers
// pass. A range body may read a variable it assigns later, and a template
// may be called after it is defined, so the walk repeats until the taints
// settle; the last walk's errors are the result. A false alarm costs a
// template author one function call; a miss would cost a leak.
func checkTemplate(t *template.Template) error {
	trees := make([]*parse.Tree, 0, len(t.Templates()))
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Root != nil {
			trees = append(trees, tt.Tree)
		}
	}
	slices.SortFunc(trees, func(a, b *parse.Tree) int { return cmp.Compare(a.Name, b.Name) })
	// The root data holds untrusted fields: printing it whole is unsafe.
	c := &checker{dots: map[string]taint{t.Name(): record}, vars: map[string]map[string]taint{}}
	for {
		c.changed, c.errs = false, nil
		for _, tree := range trees {
			c.tree = tree
			c.walk(tree.Root, c.dots[tree.Name])
		}
		if !c.changed {
			return errors.Join(c.errs...)
		}
	}
}

// checker holds the taints of one template set's walk.
type checker struct {
	dots    map[string]taint            // by template name: dot and $ on entry
	vars    map[string]map[string]taint // by template name, then variable
	tree    *parse.Tree                 // the tree being walked
	changed bool                        // whether this walk worsened a taint
	errs    []error
}

// walk checks n, in which dot has taint dot.
func (c *checker) walk(n parse.Node, dot taint) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, child := range n.Nodes {
			c.walk(child, dot)
		}
	case *parse.ActionNode:
		if tn := c.pipe(n.Pipe, dot); len(n.Pipe.Decl) == 0 && tn != clean {
			c.fail(n, "prints untrusted text; end the pipeline with untrusted, attr or inline")
		}
	case *parse.IfNode:
		c.pipe(n.Pipe, dot)
		c.walk(n.List, dot)
		c.walk(n.ElseList, dot)
	case *parse.WithNode:
		c.walk(n.List, c.pipe(n.Pipe, dot))
		c.walk(n.ElseList, dot)
	case *parse.RangeNode:
		c.walk(n.List, c.rangePipe(n.Pipe, dot))
		c.walk(n.ElseList, dot)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			c.worsen(c.dots, n.Name, c.pipe(n.Pipe, dot))
		}
	}
}

// rangePipe returns the taint of the elements a range pipeline yields and
// taints its element variable; an index variable is clean.
func (c *checker) rangePipe(p *parse.PipeNode, dot taint) taint {
	elem := c.value(p, dot)
	if len(p.Decl) > 0 {
		c.set(p.Decl[len(p.Decl)-1], elem)
	}
	return elem
}

// pipe returns the taint of p's value and taints the variables it declares
// or assigns.
func (c *checker) pipe(p *parse.PipeNode, dot taint) taint {
	tn := c.value(p, dot)
	for _, v := range p.Decl {
		c.set(v, tn)
	}
	return tn
}

// value returns the taint of the value p evaluates to. Each command's
// result feeds the next, so only a sanitizer, or a builtin returning a bool
// or a length, as the last command makes a tainted pipeline clean.
func (c *checker) value(p *parse.PipeNode, dot taint) taint {
	tn := clean
	for _, cmd := range p.Cmds {
		if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && returnsClean(id.Ident) {
			tn = clean
			continue
		}
		for _, arg := range cmd.Args {
			tn = max(tn, c.arg(arg, dot))
		}
	}
	return tn
}

// returnsClean reports whether the function name returns a value that is
// safe to print whatever its arguments.
func returnsClean(name string) bool {
	switch name {
	case "eq", "ne", "lt", "le", "gt", "ge", "not", "len":
		return true
	}
	return isSanitizer(name)
}

// arg returns the taint of one command argument.
func (c *checker) arg(n parse.Node, dot taint) taint {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return fields(dot, n.Ident)
	case *parse.VariableNode:
		v := c.vars[c.tree.Name][n.Ident[0]]
		if n.Ident[0] == "$" {
			v = c.dots[c.tree.Name]
		}
		return fields(v, n.Ident[1:])
	case *parse.ChainNode:
		return fields(c.arg(n.Node, dot), n.Field)
	case *parse.PipeNode:
		return c.value(n, dot)
	}
	return clean
}

// fields returns the taint of selecting the field chain names from a value
// of taint from.
func fields(from taint, names []string) taint {
	tn := from
	for _, name := range names {
		if ft, ok := fieldTaint(name); ok {
			tn = ft
		} else if tn == record {
			tn = clean
		}
	}
	return tn
}

// set records that variable v may hold a value of taint tn.
func (c *checker) set(v *parse.VariableNode, tn taint) {
	vars := c.vars[c.tree.Name]
	if vars == nil {
		vars = map[string]taint{}
		c.vars[c.tree.Name] = vars
	}
	c.worsen(vars, v.Ident[0], tn)
}

// worsen raises m[key] to tn if tn is worse, noting the change.
func (c *checker) worsen(m map[string]taint, key string, tn taint) {
	if tn > m[key] {
		m[key] = tn
		c.changed = true
	}
}

// fail records an error at node n.
func (c *checker) fail(n parse.Node, problem string) {
	loc, context := c.tree.ErrorContext(n)
	c.errs = append(c.errs, fmt.Errorf("%s: %s %s", loc, context, problem))
}
