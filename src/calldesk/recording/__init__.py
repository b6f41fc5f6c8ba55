"""calldesk.recording: policy (pure), path templates, the recorder over ESL, the index, integrity
repair, retention and role-checked access."""
