"""calldesk.supervision: monitor / whisper / barge / takeover on live calls over FreeSWITCH's
eavesdrop, permission-checked and journaled; supervisor actions on the ACD."""
