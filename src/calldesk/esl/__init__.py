"""calldesk.esl."""
