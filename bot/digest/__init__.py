"""The digest, the product's core, in the order it happens:

schedule   when: a JobQueue job per chat at its local time (or the outlet's default), the catch-up sweep,
           ledger retention
planner    the chats due together planned as one batch (FanOut, retried until planned), content built
           once into the ledger
selection  which articles: after the chat's previous cut-off, with the look-back
layout     what it says (pure): mute, merge same-event stories, followed first, compact or full pages
render     how it is sent: keyboards, callback data (encode/decode), parts for the ledger
preview    /digest: the next digest as of now

Sending is bot.delivery's job; this package only plans.
"""
