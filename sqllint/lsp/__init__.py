"""The language server (`sqllint server`): an editor session over the Language Server Protocol."""
