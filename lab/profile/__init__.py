"""Host profiles (`rculab profile`): hw-profiles/<id>/profile.json + topology.xml.

facts     host facts from /proc and /sys (stdlib only; the id's input)
ident     the profile id
native    what rculab-core reports: hwloc topology + XML, library versions,
          membarrier, the calibration table
document  profile.json assembled and checked
store     hw-profiles/<id>/: written once, kept, or refreshed
"""
