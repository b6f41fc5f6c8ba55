"""Web chat: visitor tokens, the public endpoint's limits, and the live sockets (the chat
transport). The HTTP side is `calldesk.web.chat:bp`; the widget is `calldesk/web/widget/`."""
