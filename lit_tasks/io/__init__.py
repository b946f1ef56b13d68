"""io, the bottom layer: writing files so a crash or a failure never leaves half of one, or half of a group, nor
writes through a link out of the project (`atomic`), content hashes (`hashing`), git through pygit2 (`git`),
lit's error types (`errors`), progress lines on stderr (`progress`), escaping what reaches the terminal
(`terminal`) and keeping API keys out of text (`secrets`). It imports nothing of lit's."""
