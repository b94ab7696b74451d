"""From a profile and the rules' outcome to a plan: the plan's data model (`model`), the facts handed to the rules
(`facts`), the figures worked out from the profile (`metrics`), which programmes a market has (`offer`), the
assembly of every section (`assembly`), and the compact JSON that leaves out what every plan repeats (`compact`)."""
