"""Information-sharing questions: what members ask about sharing, the legal advisors' answers
and their legal basis, and the searchable guidance the answers become."""
