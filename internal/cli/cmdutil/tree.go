package cmdutil

import "strings"

// TreeNode is a line of a tree drawn by DrawTree, with the lines under it.
type TreeNode struct {
	Text string
	Kids []TreeNode
}

// DrawTree writes nodes and their descendants to b, one a line, with box-drawing branches
// ("├── ", "└── ") under prefix.
func DrawTree(b *strings.Builder, nodes []TreeNode, prefix string) {
	for i, n := range nodes {
		branch, next := "├── ", "│   "
		if i == len(nodes)-1 {
			branch, next = "└── ", "    "
		}
		b.WriteString(prefix + branch + n.Text + "\n")
		DrawTree(b, n.Kids, prefix+next)
	}
}
