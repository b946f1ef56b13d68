"""io, the bottom layer: writing files so a crash never leaves half of one (`atomic`), content hashes
(`hashing`), git through pygit2 (`git`), lit's error types (`errors`), progress lines on stderr (`progress`)
and keeping API keys out of text (`secrets`). It imports nothing of lit's."""
