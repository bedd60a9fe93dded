"""What Python and the browser say to each other, declared once (see ``messages``)."""
